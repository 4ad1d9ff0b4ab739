package zerologsentry_test

import (
	"errors"
	"testing"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, zerologsentry.Origin, func(t *testing.T, off string) testclient.Outputs {
		c, mt := testclient.New(t, core.Options{})
		lv := map[string]zerolog.Level{"breadcrumbs": zerolog.InfoLevel, "events": zerolog.ErrorLevel, "logs": zerolog.InfoLevel}
		lv[off] = zerologsentry.LevelOff
		w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c, BreadcrumbLevel: zerologsentry.Level(lv["breadcrumbs"]),
			EventLevel: zerologsentry.Level(lv["events"]), LogsLevel: zerologsentry.Level(lv["logs"])})
		l := zerolog.New(w).Hook(w)
		l.Info().Msg("info")
		l.Error().Err(errors.New("boom")).Msg("error")
		return testclient.Collect(t, c, mt)
	})
}
