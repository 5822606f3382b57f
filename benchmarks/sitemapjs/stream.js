// Streams COUNT sitemap entries through sitemap.js's SitemapStream into a sink
// that only counts bytes, then prints one JSON line: time, bytes, peak RSS.
// The entries match benchmarks/bench_sitemap.py's, generated lazily:
//   node stream.js COUNT dates      loc, lastmod (a date), changefreq, priority
//   node stream.js COUNT datetimes  loc with a query string, per-row datetime
//                                   (UTC, +02:00, -05:30, and naive as UTC)
'use strict';

const { Readable, Writable, pipeline } = require('node:stream');
const { SitemapStream } = require('sitemap');
const { version } = require('sitemap/package.json');

const count = Number(process.argv[2] || 1000000);
const workload = process.argv[3] || 'dates';
const CHANGEFREQS = ['daily', 'weekly', 'monthly'];
const PRIORITIES = [0.5, 0.8, 1.0];
const START = Date.UTC(2020, 0, 1);
const DAY = 86400000;
const OFFSETS = ['Z', '+02:00', '-05:30', 'Z'];

function* dated() {
  for (let i = 0; i < count; i++) {
    yield {
      url: `/posts/${i}`,
      lastmod: new Date(START + (i % 3650) * DAY).toISOString().slice(0, 10),
      changefreq: CHANGEFREQS[i % 3],
      priority: PRIORITIES[i % 3],
    };
  }
}

function* timed() {
  for (let i = 0; i < count; i++) {
    // The Python side's wall-clock time, with the row's offset (sitemap.js
    // turns every lastmod into UTC itself).
    const wall = new Date(START + i * 37000 + (i % 1000)).toISOString().slice(0, 23);
    yield {
      url: `/search?q=item${i}&page=${i % 50}`,
      lastmod: wall + OFFSETS[i % 4],
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

const entries = workload === 'datetimes' ? timed() : dated();
const options = { hostname: 'https://example.com', lastmodDateOnly: workload !== 'datetimes' };
const rssBefore = process.resourceUsage().maxRSS; // KiB
const started = process.hrtime.bigint();
pipeline(Readable.from(entries), new SitemapStream(options), sink, (error) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssAfter = process.resourceUsage().maxRSS;
  console.log(
    JSON.stringify({
      case: 'sitemap.js',
      version,
      workload,
      count,
      seconds,
      bytes,
      rss_growth_kib: rssAfter - rssBefore,
      max_rss_kib: rssAfter,
    }),
  );
});
