from microroutes import HTTPError

POSTS = {"hello-world": {"uid": "hello-world", "title": "Hello, world"}}


def GET(req, res):
    post = POSTS.get(req.params["uid"])
    if post is None:
        raise HTTPError(404, "no such post")
    return post
