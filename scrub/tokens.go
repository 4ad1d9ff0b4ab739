package scrub

import "strings"

// tokenFormat is a well-known API token: a fixed prefix and a body of at
// least min bytes of its alphabet.
type tokenFormat struct {
	prefix string
	min    int
	body   func(c byte) bool
}

func isTokenBody(c byte) bool     { return isAlnum(c) || c == '_' }
func isTokenBodyDash(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }

// tokenFormats are the token formats DetectTokens knows. Publishable keys
// (Stripe's pk_) are public and not listed.
var tokenFormats = []tokenFormat{
	{"ghp_", 36, isTokenBody}, {"gho_", 36, isTokenBody}, {"ghu_", 36, isTokenBody},
	{"ghs_", 36, isTokenBody}, {"ghr_", 36, isTokenBody}, {"github_pat_", 60, isTokenBody}, // GitHub
	{"glpat-", 20, isTokenBodyDash},                                // GitLab
	{"xoxb-", 20, isTokenBodyDash}, {"xoxp-", 20, isTokenBodyDash}, // Slack
	{"xoxa-", 20, isTokenBodyDash}, {"xoxr-", 20, isTokenBodyDash}, {"xoxs-", 20, isTokenBodyDash},
	{"sk_live_", 20, isAlnum}, {"sk_test_", 20, isAlnum}, {"rk_live_", 20, isAlnum}, {"rk_test_", 20, isAlnum}, // Stripe
	{"AIza", 35, isTokenBodyDash},                              // Google API keys
	{"sk-", 32, isTokenBodyDash},                               // OpenAI and Anthropic style secret keys
	{"npm_", 36, isAlnum},                                      // npm
	{"sntrys_", 40, isTokenBodyDash}, {"sntryu_", 40, isAlnum}, // Sentry auth tokens
}

// tokenPrev marks the bytes found just before the last byte of a prefix.
var tokenPrev = func() (t [256]bool) {
	for _, f := range tokenFormats {
		t[f.prefix[len(f.prefix)-2]] = true
	}
	return t
}()

// tokenPrefixAt reports whether a known token prefix ends at s[i], which is
// '_' or '-': the pre-scan's test.
func tokenPrefixAt(s string, i int) bool {
	if i == 0 || !tokenPrev[s[i-1]] {
		return false
	}
	head := s[max(0, i-10) : i+1]
	for _, f := range tokenFormats {
		if f.prefix[len(f.prefix)-1] == s[i] && strings.HasSuffix(head, f.prefix) {
			return true
		}
	}
	return false
}

// findTokens finds well-known API tokens by their prefix.
func findTokens(dst []Span, s string) []Span {
	for _, f := range tokenFormats {
		for i := 0; ; {
			k := strings.Index(s[i:], f.prefix)
			if k < 0 {
				break
			}
			start := i + k
			j := start + len(f.prefix)
			for j < len(s) && f.body(s[j]) {
				j++
			}
			if j-start-len(f.prefix) >= f.min && (start == 0 || !isAlnum(s[start-1])) {
				dst = append(dst, Span{start, j})
			}
			i = j
		}
	}
	return dst
}
