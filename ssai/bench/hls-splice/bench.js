// Side-by-side reference for ssai/stitch: @eyevinn/hls-splice 0.4.11 splicing 3 ads into a
// 600-segment VOD rendition (2 s segments), the shape of BenchmarkDecodeStitchVOD600 (parse the
// source + stitch). hls-splice always parses the source and the ads, so it is compared with our
// parse + stitch, not with the stitch alone. Reports CPU time per splice (process.cpuUsage).
//
//   cd ssai/bench/hls-splice && npm install && node bench.js
const { Readable } = require("stream");
const HLSSpliceVod = require("@eyevinn/hls-splice");

const BW = 300000;
const master = (uri) => `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=${BW},RESOLUTION=320x180,CODECS="avc1.4d401e,mp4a.40.2"\n${uri}\n`;
function media(n, prefix) {
  let s = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n";
  for (let i = 0; i < n; i++) s += `#EXTINF:2.000,\n${prefix}/seg_${i}.ts\n`;
  return s + "#EXT-X-ENDLIST\n";
}
const content = media(600, "v");
const ad = media(8, "https://ads.example/a15");
const str = (s) => () => Readable.from([s]);

async function splice() {
  const vod = new HLSSpliceVod("https://origin.example/vod/master.m3u8");
  await vod.load(str(master("v/index.m3u8")), str(content));
  for (const at of [200000, 600000, 1000000]) {
    await vod.insertAdAt(at, "https://ads.example/a15/master.m3u8", str(master("index.m3u8")), str(ad));
  }
  return vod.getMediaManifest(BW);
}

(async () => {
  const out = await splice();
  const segs = (out.match(/#EXTINF/g) || []).length;
  for (let i = 0; i < 50; i++) await splice(); // warm up
  const n = 300;
  const t0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await splice();
  const cpu = process.cpuUsage(t0);
  const wall = Number(process.hrtime.bigint() - w0) / n / 1000;
  console.log(`hls-splice 0.4.11: ${segs} segments out; ${((cpu.user + cpu.system) / n).toFixed(0)} µs CPU per splice (3 breaks, 600 segments), ${wall.toFixed(0)} µs wall`);
})();
