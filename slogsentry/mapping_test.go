package slogsentry_test

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// The shared attribute mapping lives in the core; this checks that slog's
// ways of writing the special keys reach it: groups, WithAttrs, WithGroup.
func TestSpecialKeys(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	req := httptest.NewRequest("POST", "http://shop.test/orders?id=7", nil)

	l.With(slog.Group("user", "id", "42", "username", "ann", "plan", "pro")).Error("special",
		"fingerprint", []string{"{{ default }}", "orders"},
		"request", req,
		slog.Group("tags", "shard", 3, slog.Group("db", "role", "primary")),
		"other", "kept",
	)
	l.Error("user keys", "user.id", "43", "user.username", "bob")
	l.WithGroup("g").Error("not special inside a group", "user", "x", "fingerprint", "y")

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 3)
	ev := evs[0]
	require.NotNil(t, ev.User)
	assert.Equal(t, "42", ev.User.ID)
	assert.Equal(t, "ann", ev.User.Username)
	assert.Equal(t, map[string]any{"plan": "pro"}, ev.User.Data)
	assert.Equal(t, []string{"{{ default }}", "orders"}, ev.Fingerprint)
	require.NotNil(t, ev.Request)
	assert.Equal(t, "POST", ev.Request.Method)
	assert.Equal(t, "http://shop.test/orders", ev.Request.URL)
	assert.Equal(t, "id=7", ev.Request.QueryString)
	assert.Equal(t, "3", ev.Tags["shard"])
	assert.Equal(t, "primary", ev.Tags["db.role"])
	assert.Equal(t, map[string]any{"other": "kept"}, testclient.LogContext(ev))

	require.NotNil(t, evs[1].User)
	assert.Equal(t, "43", evs[1].User.ID)
	assert.Equal(t, "bob", evs[1].User.Username)

	assert.Nil(t, evs[2].User)
	assert.Nil(t, evs[2].Fingerprint)
	assert.Equal(t, map[string]any{"g": map[string]any{"user": "x", "fingerprint": "y"}}, testclient.LogContext(evs[2]))
}
