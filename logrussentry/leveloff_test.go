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
		o := logrussentry.Options{Client: c,
			BreadcrumbLevel: logrussentry.Level(logrus.InfoLevel),
			EventLevel:      logrussentry.Level(logrus.ErrorLevel),
			LogsLevel:       logrussentry.Level(logrus.InfoLevel)}
		switch off {
		case "breadcrumbs":
			o.BreadcrumbLevel = logrussentry.Level(logrussentry.LevelOff)
		case "events":
			o.EventLevel = logrussentry.Level(logrussentry.LevelOff)
		case "logs":
			o.LogsLevel = logrussentry.Level(logrussentry.LevelOff)
		}
		l := logrus.New()
		l.SetOutput(io.Discard)
		l.SetLevel(logrus.TraceLevel)
		l.AddHook(logrussentry.NewHook(o))
		l.Info("info")
		l.WithError(errors.New("boom")).Error("error")
		return testclient.Collect(t, c, mt)
	})
}
