// Package packager turns a mezzanine file into an HLS asset with ffmpeg, and makes the demo
// content Cuepoint develops against.
//
// A Ladder is data: H.264 renditions (size, profile, level, bitrate, frame rate), one AAC-LC
// stereo 48 kHz audio rendition, a segment duration and a container (MPEG-TS or fMP4/CMAF).
// DefaultLadder is the content ladder (360p, 540p, 720p at 30 fps, 2 s segments); the
// adserver conditions ads to the same ladder so that a stitched break switches renditions like
// the content around it. Validate refuses what a player would choke on: a resolution, frame
// rate or bitrate above the H.264 level, odd sizes, a segment that is not a whole number of
// frames.
//
// Package runs one ffmpeg process that decodes the input once, splits it, and encodes every
// rendition with a keyframe forced on each segment boundary and nowhere else (fixed GOP,
// scene-cut off, closed GOPs), so every segment of every rendition starts with an IDR frame at
// the same presentation time — the precondition for switching renditions and splicing ads
// at segment boundaries. Audio is cut on an AAC frame boundary so its playlist has as many
// segments as the video's. The output directory holds one directory per rendition and one for
// the audio, master.m3u8 (an EXT-X-MEDIA TYPE=AUDIO group shared by every variant; BANDWIDTH
// and AVERAGE-BANDWIDTH measured from the segment files, CODECS read from the stream's SPS or
// avcC box) and asset.json (Asset). It is built in a staging directory and renamed into place.
// Progress comes from ffmpeg's -progress output; Bar draws it.
//
// GenerateDemo makes test content with ffmpeg's lavfi sources: testsrc2 with the timecode and a
// title burned in (drawtext, font from the Debian package fonts-dejavu-core; without it,
// testsrc and its own timestamp) and a 1 kHz tone beeping every second.
//
// Budget (BenchmarkPackage, 2 vCPU): the default ladder packages at ~1.2x real time with the
// veryfast preset (~3.8x with ultrafast); 360p alone at ~6x. Tests package 6 s at 320x180 in
// about a second.
package packager
