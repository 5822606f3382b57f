def GET(req, res):
    return [{"uid": "hello-world", "title": "Hello, world"}]
