// Package ads turns the adserver's decisions into what the stitcher splices: it picks, for each
// content rendition, the conditioned HLS rendition of an ad that matches it (the adserver
// conditions every creative to the content ladder, origin/packager.DefaultLadder).
//
// VAST itself is read with adserver/vast, the project's one VAST parser.
package ads
