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
		lv := map[string]zapcore.Level{"breadcrumbs": zapcore.InfoLevel, "events": zapcore.ErrorLevel, "logs": zapcore.InfoLevel}
		lv[off] = zapsentry.LevelOff
		sc := zapsentry.NewCore(zapsentry.Options{Client: c,
			BreadcrumbLevel: lv["breadcrumbs"], EventLevel: lv["events"], LogsLevel: lv["logs"]})
		l := zap.New(sc)
		l.Info("info")
		l.Error("error", zap.Error(errors.New("boom")))
		return testclient.Collect(t, c, mt)
	})
}
