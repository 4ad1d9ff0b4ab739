package logrussentry_test

import (
	"context"
	"io"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/isolationtest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// Concurrent requests keep their breadcrumbs, users and tags to themselves
// through entries derived with WithContext, WithField and WithFields.
func TestConcurrentIsolation(t *testing.T) {
	c, mt := testclient.New(t, core.Options{QueueSize: 4 * isolationtest.Requests,
		Storm: core.StormOptions{Disabled: true}})
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	logger.SetLevel(logrus.DebugLevel)
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))
	base := logger.WithField("service", "api")
	isolationtest.Run(t, c, mt, func(ctx context.Context, i int) {
		req := base.WithContext(ctx).WithField("req", i)
		for s := 0; s < isolationtest.Steps; s++ {
			switch s % 3 {
			case 0:
				req.Info(isolationtest.Crumb(i, s))
			case 1:
				base.WithContext(ctx).WithFields(logrus.Fields{"n": s, "g": logrus.Fields{"i": i}}).Warn(isolationtest.Crumb(i, s))
			default:
				req.WithField("n", s).Infof("%s", isolationtest.Crumb(i, s))
			}
			req.Debug("noise")
		}
		req.WithError(context.Canceled).Error(isolationtest.Failure(i))
	})
}
