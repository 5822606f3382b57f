// Reads a sitemap (urlset) with sitemap.js's own parser, strictly: any error or
// warning it records fails the run. Prints {"version", "items"} as JSON, where
// items are the SitemapItem objects it produced.
//   node parse.js FILE
'use strict';

const { createReadStream } = require('node:fs');
const { Writable, pipeline } = require('node:stream');
const { XMLToSitemapItemStream, ErrorLevel } = require('sitemap');
const { version } = require('sitemap/package.json');

const items = [];
const parser = new XMLToSitemapItemStream({ level: ErrorLevel.THROW, logger: false });
const sink = new Writable({
  objectMode: true,
  write(item, _encoding, callback) {
    items.push(item);
    callback();
  },
});

pipeline(createReadStream(process.argv[2]), parser, sink, (error) => {
  if (error || parser.errors.length) {
    console.error(String(error || parser.errors.join('\n')));
    process.exit(1);
  }
  console.log(JSON.stringify({ version, items }));
});
