// Package corpus reads the scrubbing corpora the end-to-end and scrubber
// tests share: secrets.txt, what must never reach Sentry, and benign.txt,
// debugging text that must arrive as written. Both live in e2e/testdata;
// callers pass that directory as a path relative to their package.
//
// Each line of a corpus file is one entry of tab-separated fields; a field
// that starts with a double quote is a Go string literal. Empty lines and
// lines that start with # are skipped.
package corpus

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Secret is one entry of secrets.txt: Text holds the secret in context,
// Needles the parts that must not appear in what is sent. PII marks the
// entries that SendDefaultPII allows through.
type Secret struct {
	Name    string
	PII     bool
	Text    string
	Needles []string
}

// Benign is one entry of benign.txt.
type Benign struct{ Name, Text string }

// Secrets returns the entries of dir/secrets.txt.
func Secrets(t testing.TB, dir string) []Secret {
	t.Helper()
	var out []Secret
	for _, f := range read(t, filepath.Join(dir, "secrets.txt")) {
		require.GreaterOrEqual(t, len(f), 4, f)
		out = append(out, Secret{Name: f[0], PII: f[1] == "pii", Text: f[2], Needles: f[3:]})
	}
	return out
}

// BenignTexts returns the entries of dir/benign.txt.
func BenignTexts(t testing.TB, dir string) []Benign {
	t.Helper()
	var out []Benign
	for _, f := range read(t, filepath.Join(dir, "benign.txt")) {
		require.Len(t, f, 2, f)
		out = append(out, Benign{f[0], f[1]})
	}
	return out
}

// WireForms returns the distinct forms a needle can take in the bytes
// sent: as written, JSON-escaped, query-escaped and path-escaped.
func WireForms(n string) []string {
	b, _ := json.Marshal(n)
	forms := []string{n, string(b[1 : len(b)-1]), url.QueryEscape(n), url.PathEscape(n)}
	out := forms[:0]
	for _, f := range forms {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// read returns the tab-separated fields of each entry of a corpus file,
// quoted fields unquoted.
func read(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		for i, fl := range fields {
			if strings.HasPrefix(fl, `"`) {
				u, err := strconv.Unquote(fl)
				require.NoError(t, err, line)
				fields[i] = u
			}
		}
		out = append(out, fields)
	}
	require.NoError(t, sc.Err())
	return out
}
