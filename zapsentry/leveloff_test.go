package zapsentry_test

import (
	"errors"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, zapsentry.Origin, func(t *testing.T, off string) testclient.Outputs {
		c, mt := testclient.New(t, core.Options{})
		o := zapsentry.Options{Client: c, BreadcrumbLevel: zapcore.InfoLevel, EventLevel: zapcore.ErrorLevel, LogsLevel: zapcore.InfoLevel}
		switch off {
		case "breadcrumbs":
			o.BreadcrumbLevel = zapsentry.LevelOff
		case "events":
			o.EventLevel = zapsentry.LevelOff
		case "logs":
			o.LogsLevel = zapsentry.LevelOff
		}
		l := zap.New(zapsentry.NewCore(o))
		l.Info("info")
		l.Error("error", zap.Error(errors.New("boom")))
		return testclient.Collect(t, c, mt)
	})
}
