// Streams COUNT sitemap entries through sitemap.js's SitemapStream into a sink
// that only counts bytes, then prints one JSON line: time, bytes, peak RSS.
// The entries match benchmarks/bench_sitemap.py's: loc, lastmod (a date),
// changefreq and priority, generated lazily.
'use strict';

const { Readable, Writable, pipeline } = require('node:stream');
const { SitemapStream } = require('sitemap');
const { version } = require('sitemap/package.json');

const count = Number(process.argv[2] || 1000000);
const CHANGEFREQS = ['daily', 'weekly', 'monthly'];
const PRIORITIES = [0.5, 0.8, 1.0];
const START = Date.UTC(2020, 0, 1);
const DAY = 86400000;

function* entries() {
  for (let i = 0; i < count; i++) {
    yield {
      url: `/posts/${i}`,
      lastmod: new Date(START + (i % 3650) * DAY).toISOString().slice(0, 10),
      changefreq: CHANGEFREQS[i % 3],
      priority: PRIORITIES[i % 3],
    };
  }
}

let bytes = 0;
const sink = new Writable({
  write(chunk, _encoding, callback) {
    bytes += chunk.length;
    callback();
  },
});

const rssBefore = process.resourceUsage().maxRSS; // KiB
const started = process.hrtime.bigint();
pipeline(
  Readable.from(entries()),
  new SitemapStream({ hostname: 'https://example.com', lastmodDateOnly: true }),
  sink,
  (error) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rssAfter = process.resourceUsage().maxRSS;
    console.log(JSON.stringify({
      case: 'sitemap.js',
      version,
      count,
      seconds,
      bytes,
      rss_growth_kib: rssAfter - rssBefore,
      max_rss_kib: rssAfter,
    }));
  },
);
