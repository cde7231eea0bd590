package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/metrics"
)

// MinAdminTokenLength is the shortest admin token accepted: 128 bits in hex.
const MinAdminTokenLength = 32

var adminDenied = metrics.Counter(`cuepoint_admin_denied_total`)

// Admin wraps an admin API handler: it runs only for requests with
// "Authorization: Bearer <admin token>", compared in constant time. Without a configured token
// every admin request is refused, so a misconfigured server is never open.
func (s *Server) Admin(h fasthttp.RequestHandler) fasthttp.RequestHandler {
	want := []byte("Bearer " + s.adminToken)
	return func(ctx *fasthttp.RequestCtx) {
		got := ctx.Request.Header.Peek(fasthttp.HeaderAuthorization)
		if s.adminToken == "" || !hmac.Equal(got, want) {
			adminDenied.Inc()
			ctx.Response.Header.Set(fasthttp.HeaderWWWAuthenticate, `Bearer realm="cuepoint-admin"`)
			msg := "admin token required: send Authorization: Bearer <CUEPOINT_ADMIN_TOKEN>"
			if len(got) > 0 && bytes.HasPrefix(got, []byte("Bearer ")) {
				msg = "admin token rejected"
			}
			ctx.Error(msg, fasthttp.StatusUnauthorized)
			return
		}
		h(ctx)
	}
}

// ValidateAdminToken reports a token too short to be safe.
func ValidateAdminToken(token string) error {
	if token != "" && len(token) < MinAdminTokenLength {
		return fmt.Errorf("admin token is %d characters; use at least %d (e.g. `openssl rand -hex 16`)", len(token), MinAdminTokenLength)
	}
	return nil
}

// EnsureAdminToken returns token when set; otherwise the token saved in file, or a new random
// one written there (mode 0600). created reports a new token.
func EnsureAdminToken(token, file string) (tok string, created bool, err error) {
	if token != "" {
		return token, false, nil
	}
	if raw, err := os.ReadFile(file); err == nil {
		if t := strings.TrimSpace(string(raw)); len(t) >= MinAdminTokenLength {
			return t, false, nil
		}
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", false, err
	}
	tok = hex.EncodeToString(b)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", false, err
	}
	if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("write admin token: %w", err)
	}
	return tok, true, nil
}
