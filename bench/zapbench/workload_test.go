package zapbench

import (
	"context"
	"testing"

	tzs "github.com/TheZeroSlave/zapsentry"
	"github.com/getsentry/sentry-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// The Event record reaches both transports once and the Disabled one
// neither: the benchmarks measure cores that do their work.
func TestEventReachesEveryTransport(t *testing.T) {
	c, err := newClient(0)
	require.NoError(t, err)
	defer c.Close(context.Background())
	ours := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
	ours.Debug(msgDisabled)
	ours.Error(msgEvent, zap.Error(errEvent))
	require.True(t, c.Flush(context.Background()))
	assert.EqualValues(t, 1, c.Stats().Delivered)

	tr := &sentryDiscard{}
	client, err := newSentryClient(tr)
	require.NoError(t, err)
	defer client.Close()
	core, err := tzs.NewCore(tzs.Configuration{
		Level: zapcore.ErrorLevel, EnableBreadcrumbs: true, BreadcrumbLevel: zapcore.InfoLevel,
		Hub: sentry.NewHub(client, sentry.NewScope()),
	}, tzs.NewSentryClientFromClient(client))
	require.NoError(t, err)
	peer := zap.New(core)
	peer.Debug(msgDisabled)
	peer.Info(msgBreadcrumb)
	peer.Error(msgEvent, zap.Error(errEvent))
	assert.EqualValues(t, 1, tr.events.Load())
}

// Our core adds no allocation to a disabled call.
func TestDisabledAllocs(t *testing.T) {
	race.SkipAllocs(t)
	c, err := newClient(0)
	require.NoError(t, err)
	defer c.Close(context.Background())
	log := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if ce := log.Check(zapcore.DebugLevel, msgDisabled); ce != nil {
			ce.Write(zap.String(keyMethod, valMethod))
		}
	}))
}
