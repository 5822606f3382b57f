// Streams COUNT sitemap entries through sitemap.js's SitemapStream into a sink
// that only counts bytes, then prints one JSON line: time, bytes, peak RSS.
// The entries match benchmarks/bench_sitemap.py's, generated lazily:
//   node stream.js COUNT dates      loc, lastmod (a date), changefreq, priority
//   node stream.js COUNT datetimes  loc with a query string, per-row datetime
//                                   (UTC, +02:00, -05:30, and naive as UTC)
// With a third argument `generate`, only the entries are built and counted:
// the share of the time that is not sitemap.js's; with `xml`, the sitemap is
// written to stdout instead, so that its entries can be compared with ours.
'use strict';

const { Readable, Writable, pipeline } = require('node:stream');
const { SitemapStream } = require('sitemap');
const { version } = require('sitemap/package.json');

const count = Number(process.argv[2] || 1000000);
const workload = process.argv[3] || 'dates';
const mode = process.argv[4] || 'time';
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
    // The Python side's wall-clock time (37.001 s a row), with the row's
    // offset (sitemap.js turns every lastmod into UTC itself).
    const wall = new Date(START + i * 37001).toISOString().slice(0, 23);
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

function report(name) {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssAfter = process.resourceUsage().maxRSS;
  console.log(
    JSON.stringify({
      case: name,
      version,
      workload,
      count,
      seconds,
      bytes,
      rss_growth_kib: rssAfter - rssBefore,
      max_rss_kib: rssAfter,
    }),
  );
}

if (mode === 'xml') {
  pipeline(Readable.from(entries), new SitemapStream(options), process.stdout, (error) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
  });
} else if (mode === 'generate') {
  for (const entry of entries) {
    bytes += entry.url.length;
  }
  report('sitemap.js generate');
} else {
  pipeline(Readable.from(entries), new SitemapStream(options), sink, (error) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    report('sitemap.js');
  });
}
