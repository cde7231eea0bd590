package featurestore

import (
	"fmt"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
)

// BenchmarkAPIBatchGet200 is the server's own cost of POST /v1:features:batchGet for 200
// viewers' profiles from the near-cache: routing, body parsing, the read, the JSON answer
// (about 110 KB), without the network.
func BenchmarkAPIBatchGet200(b *testing.B) {
	s, _ := memStore(b, warmOnce) // the first read fills the near-cache even on a busy machine
	ids := benchIDs("viewer", 200)
	putProfiles(b, s, ids)
	srv := server.New("featurestore-bench", "127.0.0.1:0")
	NewAPI(s).Mount(srv)
	h := srv.Handler()
	body := []byte(fmt.Sprintf(`{"entity_type":"user","ids":["%s"],"views":["profile"]}`, strings.Join(ids, `","`)))
	var ctx fasthttp.RequestCtx
	do := func() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/v1/features:batchGet")
		ctx.Request.SetBody(body)
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("%d %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	do()
	b.SetBytes(int64(len(ctx.Response.Body())))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		do()
	}
	b.StopTimer()
	reportLatency(b, 2000, do)
}
