package core_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
)

// The version the SDK reports is the newest version of the changelog.
func TestVersionMatchesChangelog(t *testing.T) {
	b, err := os.ReadFile("../CHANGELOG.md")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\]`).FindSubmatch(b)
	require.NotNil(t, m, "CHANGELOG.md has no version heading")
	require.Equal(t, string(m[1]), core.SDKVersion)
}
