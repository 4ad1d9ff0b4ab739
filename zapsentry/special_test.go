package zapsentry_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

type userObj struct{ id, email string }

func (u userObj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", u.id)
	enc.AddString("email", u.email)
	enc.AddString("plan", "pro")
	return nil
}

func TestSpecialKeys(t *testing.T) {
	t.Run("user object", func(t *testing.T) {
		logger, c, mt := newLogger(t, zapsentry.Options{})
		logger.Error("e", zap.Object("user", userObj{"u1", "ann@mail.invalid"}))
		ev := testclient.One(t, c, mt)
		require.NotNil(t, ev.User)
		assert.Equal(t, "u1", ev.User.ID)
		assert.Equal(t, "ann@mail.invalid", ev.User.Email)
		assert.Equal(t, "pro", ev.User.Data["plan"])
		assert.NotContains(t, logContext(t, ev), "user")
	})
	t.Run("user struct through zap.Any", func(t *testing.T) {
		logger, c, mt := newLogger(t, zapsentry.Options{})
		logger.Error("e", zap.Any("user", struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		}{"u2", "bob"}))
		ev := testclient.One(t, c, mt)
		require.NotNil(t, ev.User)
		assert.Equal(t, "u2", ev.User.ID)
		assert.Equal(t, "bob", ev.User.Username)
	})
	t.Run("core.User through zap.Any", func(t *testing.T) {
		logger, c, mt := newLogger(t, zapsentry.Options{})
		logger.Error("e", zap.Any("user", &core.User{ID: "u3"}))
		ev := testclient.One(t, c, mt)
		require.NotNil(t, ev.User)
		assert.Equal(t, "u3", ev.User.ID)
	})
	t.Run("tags namespace and fingerprint", func(t *testing.T) {
		logger, c, mt := newLogger(t, zapsentry.Options{})
		logger.Error("e", zap.Strings("fingerprint", []string{"{{ default }}", "db"}),
			zap.Namespace("tags"), zap.String("region", "eu"), zap.Int("shard", 7))
		ev := testclient.One(t, c, mt)
		assert.Equal(t, []string{"{{ default }}", "db"}, ev.Fingerprint)
		assert.Equal(t, map[string]string{"region": "eu", "shard": "7"}, ev.Tags)
		assert.Empty(t, logContext(t, ev))
	})
	t.Run("request", func(t *testing.T) {
		logger, c, mt := newLogger(t, zapsentry.Options{})
		r := httptest.NewRequest("POST", "/orders?x=1", nil)
		logger.Error("e", zap.Any("req", r))
		ev := testclient.One(t, c, mt)
		require.NotNil(t, ev.Request)
		assert.Equal(t, "POST", ev.Request.Method)
	})
	t.Run("tag keys from With and nested objects", func(t *testing.T) {
		logger, c, mt := newLogger(t, zapsentry.Options{TagKeys: []string{"svc", "p.x"}})
		logger.With(zap.String("svc", "api")).Error("e", zap.Object("p", point{1, 2}))
		ev := testclient.One(t, c, mt)
		assert.Equal(t, map[string]string{"svc": "api", "p.x": "1"}, ev.Tags)
	})
}
