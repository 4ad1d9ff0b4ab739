package scrub

import "strings"

// tokenFormat is a well-known API token: a fixed prefix and a body of at
// least min bytes of its alphabet. A prefix ending with '/' (a webhook URL)
// is kept: only the body is replaced.
type tokenFormat struct {
	prefix string
	min    int
	body   func(c byte) bool
}

func isTokenBody(c byte) bool     { return isAlnum(c) || c == '_' }
func isTokenBodyDash(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }
func isTokenBodyDot(c byte) bool  { return isTokenBodyDash(c) || c == '.' }
func isWebhookBody(c byte) bool   { return isTokenBodyDash(c) || c == '/' }

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
	{"whsec_", 24, isAlnum},                                                                            // Stripe webhook signing secrets
	{"SG.", 50, isTokenBodyDot},                                                                        // SendGrid
	{"shpat_", 32, isAlnum}, {"shpss_", 32, isAlnum}, {"shpca_", 32, isAlnum}, {"shppa_", 32, isAlnum}, // Shopify
	{"GOCSPX-", 24, isTokenBodyDash},                   // Google OAuth client secrets
	{"dop_v1_", 64, isAlnum}, {"doo_v1_", 64, isAlnum}, // DigitalOcean
	{"hvs.", 24, isTokenBodyDash}, {"hvb.", 24, isTokenBodyDash}, // HashiCorp Vault
	{"pypi-", 60, isTokenBodyDash},                            // PyPI
	{"hf_", 34, isAlnum},                                      // Hugging Face
	{"lin_api_", 40, isAlnum},                                 // Linear
	{"glsa_", 32, isTokenBody}, {"glc_", 32, isTokenBodyDash}, // Grafana
	{"PMAK-", 59, isTokenBodyDash},                                 // Postman
	{"xapp-", 20, isTokenBodyDash},                                 // Slack app-level tokens
	{"xoxe-", 20, isTokenBodyDash}, {"xoxc-", 20, isTokenBodyDash}, // Slack refresh and client tokens
	{"ya29.", 30, isTokenBodyDash},                                            // Google OAuth access tokens
	{"pscale_tkn_", 32, isTokenBodyDash}, {"pscale_pw_", 32, isTokenBodyDash}, // PlanetScale
	{"glptt-", 20, isTokenBodyDash}, {"gldt-", 20, isTokenBodyDash}, // GitLab trigger and deploy tokens
	{"AGE-SECRET-KEY-", 58, isAlnum},                 // age private keys
	{"hooks.slack.com/services/", 20, isWebhookBody}, // Slack incoming webhooks
	{"discord.com/api/webhooks/", 20, isWebhookBody}, // Discord webhooks
	{"discordapp.com/api/webhooks/", 20, isWebhookBody},
}

// webhookAt reports whether s[i], a '.', is inside the host of a webhook URL
// listed in tokenFormats: the pre-scan's test.
func webhookAt(s string, i int) bool {
	if i == 0 || s[i-1] != 's' && s[i-1] != 'd' && s[i-1] != 'p' {
		return false
	}
	return hasPrefixAt(s, i, "hooks", ".slack.com/services/") ||
		hasPrefixAt(s, i, "discord", ".com/api/webhooks/") ||
		hasPrefixAt(s, i, "discordapp", ".com/api/webhooks/")
}

// hasPrefixAt reports whether s has before at its index i and after from it.
func hasPrefixAt(s string, i int, before, after string) bool {
	return i >= len(before) && s[i-len(before):i] == before && len(s)-i >= len(after) && s[i:i+len(after)] == after
}

// tokenByPrev lists the prefixes by their byte before the last, so that
// the pre-scan compares only a few at each '_', '-' or '.'.
var tokenByPrev = func() (t [256][]string) {
	for _, f := range tokenFormats {
		c := f.prefix[len(f.prefix)-2]
		t[c] = append(t[c], f.prefix)
	}
	return t
}()

// tokenPrefixAt reports whether a known token prefix ends at s[i], which is
// '_', '-' or '.': the pre-scan's test.
func tokenPrefixAt(s string, i int) bool {
	if i == 0 {
		return false
	}
	for _, p := range tokenByPrev[s[i-1]] {
		if p[len(p)-1] == s[i] && i+1 >= len(p) && s[i+1-len(p):i+1] == p {
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
				if strings.HasSuffix(f.prefix, "/") {
					dst = append(dst, Span{start + len(f.prefix), j})
				} else {
					dst = append(dst, Span{start, j})
				}
			}
			i = j
		}
	}
	return dst
}
