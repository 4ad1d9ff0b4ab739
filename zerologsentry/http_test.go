//go:build !binary_log

package zerologsentry_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/sentryhttp"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// withLogger stores in each request's context a logger bound to that
// context, for zerolog.Ctx: the middleware a program writes once.
func withLogger(logger zerolog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ctx = logger.With().Ctx(ctx).Str("path", r.URL.Path).Logger().WithContext(ctx)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Behind sentryhttp, concurrent requests keep their breadcrumbs apart and
// their events carry the request.
func TestHTTPMiddleware(t *testing.T) {
	// Storm control off: "failed N" is one group (numbers are parameters);
	// the 16 events are the point here.
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := zerolog.Ctx(r.Context())
		id := r.URL.Query().Get("id")
		log.Info().Msg("start " + id)
		log.Info().Msg("middle " + id)
		log.Error().Msg("failed " + id)
		io.WriteString(w, "ok")
	})
	srv := httptest.NewServer(sentryhttp.New(sentryhttp.Options{Client: c}).Handle(withLogger(logger, handler)))
	defer srv.Close()

	const requests = 16
	var wg sync.WaitGroup
	for i := 0; i < requests; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := srv.Client().Get(fmt.Sprintf("%s/orders?id=%d", srv.URL, i))
			if assert.NoError(t, err) {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	srv.Client().CloseIdleConnections()

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, requests)
	for _, ev := range evs {
		id := strings.TrimPrefix(ev.Message.Formatted, "failed ")
		assert.Equal(t, []string{"start " + id, "middle " + id}, testclient.Crumbs(ev))
		require.NotNil(t, ev.Request)
		assert.Contains(t, ev.Request.URL, "/orders")
		assert.Equal(t, "/orders", testclient.LogContext(ev)["path"])
	}
}
