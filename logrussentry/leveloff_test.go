package logrussentry_test

import (
	"errors"
	"io"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, logrussentry.Origin, func(t *testing.T, off string) testclient.Outputs {
		c, mt := testclient.New(t, core.Options{})
		lv := map[string]logrus.Level{"breadcrumbs": logrus.InfoLevel, "events": logrus.ErrorLevel, "logs": logrus.InfoLevel}
		lv[off] = logrussentry.LevelOff
		h := logrussentry.NewHook(logrussentry.Options{Client: c, BreadcrumbLevel: logrussentry.Level(lv["breadcrumbs"]),
			EventLevel: logrussentry.Level(lv["events"]), LogsLevel: logrussentry.Level(lv["logs"])})
		l := logrus.New()
		l.SetOutput(io.Discard)
		l.SetLevel(logrus.TraceLevel)
		l.AddHook(h)
		l.Info("info")
		l.WithError(errors.New("boom")).Error("error")
		return testclient.Collect(t, c, mt)
	})
}
