package scrub

import "strings"

// The key=value detector: the denylist applied to keys written in text.

// isKeyByte reports the bytes of a key written as key=value.
func isKeyByte(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

// endsValue reports the bytes that end an unquoted value in text.
func endsValue(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '&', ';', ',', '"', '\'', ')', ']', '}', '>', '<':
		return true
	}
	return false
}

// startsKey reports the bytes that may come just before a key written as
// "key: value" or "Key:value" (a Go %v or %+v dump).
func startsKey(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '{', '[', '(', ',', ';', '"', '\'', '=':
		return true
	}
	return false
}

// kvByte marks the bytes findKeyValues stops at.
var kvByte = [256]bool{'<': true, '-': true, '=': true, ':': true}

// findKeyValues finds the values of denied keys written in text: key=value
// (query and connection strings, logfmt), "key": value (JSON) and the colon
// forms of findColonValue.
func (s *Scrubber) findKeyValues(dst []Span, str string) []Span {
	for i := 0; i < len(str); i++ {
		c := str[i]
		if !kvByte[c] {
			continue
		}
		switch {
		case c == '<':
			if sp, ok := s.findElementValue(str, i); ok {
				dst = append(dst, sp)
				i = sp.End - 1
			}
		case c == '-' && (i == 0 || str[i-1] == ' ' || str[i-1] == '\t'):
			if sp, ok := s.findFlagValue(str, i); ok {
				dst = append(dst, sp)
				i = sp.End - 1
			}
		case i == 0:
		case c == '=':
			if sp, ok := s.findEqualsValue(str, i); ok {
				dst = append(dst, sp)
				i = sp.End - 1
			}
		case c == ':' && quoteBefore(str, i) >= 0:
			// "key": value, and "key" : value as some encoders and people
			// write it. Keys longer than 64 bytes are not looked for,
			// which also keeps this search short.
			cq := quoteBefore(str, i)
			from := max(0, cq-65)
			q := strings.LastIndexByte(str[from:cq], str[cq])
			if q < 0 {
				continue
			}
			q += from
			// JSON inside a string arrives escaped: \"key\": \"value\".
			if !s.denied(strings.TrimSuffix(str[q+1:cq], `\`)) {
				continue
			}
			j := i + 1
			for j < len(str) && str[j] == ' ' {
				j++
			}
			if sp, ok := valueSpan(str, j); ok {
				dst = append(dst, sp)
				i = sp.End - 1
			}
		case c == ':':
			if sp, ok := s.findColonValue(str, i); ok {
				dst = append(dst, sp)
				i = sp.End - 1
			}
		}
	}
	return dst
}

// findElementValue reads the text of an XML element named by a denied key
// at str[i] ('<'): <password>…</password>, <ns:Password>…, and a CDATA
// section as the text. Logged SOAP and XML payloads carry credentials so.
func (s *Scrubber) findElementValue(str string, i int) (Span, bool) {
	k := i + 1
	for k < len(str) && k-i <= maxKeyInline && (isKeyByte(str[k]) || str[k] == ':') {
		k++
	}
	if k == i+1 || k >= len(str) || str[k] != '>' {
		return Span{}, false
	}
	name := str[i+1 : k]
	if c := strings.LastIndexByte(name, ':'); c >= 0 {
		name = name[c+1:] // a namespace prefix
	}
	if !s.denied(name) {
		return Span{}, false
	}
	v := k + 1
	if rest := str[v:]; strings.HasPrefix(rest, "<![CDATA[") {
		end := strings.Index(rest, "]]>")
		if end < 0 {
			end = len(rest)
		}
		return nonEmpty(v+len("<![CDATA["), v+max(end, len("<![CDATA[")), str)
	}
	end := strings.IndexByte(str[v:], '<')
	if end < 0 {
		end = len(str) - v
	}
	return nonEmpty(v, v+end, str)
}

// findEqualsValue reads the value of a denied key written with '=' at
// str[i]: key=value, and key = value with spaces around the '=' (INI and
// TOML files, AWS credentials files, Python reprs) when the value is
// quoted or looks like a secret and is no call ("password = crypt($1)").
func (s *Scrubber) findEqualsValue(str string, i int) (Span, bool) {
	if i+1 < len(str) && str[i+1] == '=' {
		return Span{}, false // ==
	}
	e := i
	for e > 0 && i-e < 4 && (str[e-1] == ' ' || str[e-1] == '\t') {
		e--
	}
	k := e
	for k > 0 && isKeyByte(str[k-1]) {
		k--
	}
	if k == e {
		return Span{}, false
	}
	key := str[k:e]
	if !s.denied(key) {
		if e == i && isShortPassKey(key) {
			return formPassValue(str, k, i)
		}
		return Span{}, false
	}
	if e == i {
		sp, ok := valueSpan(str, i+1)
		if ok && isMetadataKey(key) && isPlainValue(str[sp.Start:sp.End]) {
			return Span{}, false
		}
		return sp, ok
	}
	j := i + 1
	for j < len(str) && j-i <= 4 && (str[j] == ' ' || str[j] == '\t') {
		j++
	}
	if j == i+1 || j >= len(str) {
		return Span{}, false
	}
	sp, ok := valueSpan(str, j)
	if !ok {
		return Span{}, false
	}
	v := str[sp.Start:sp.End]
	if str[j] == '"' || str[j] == '\'' || looksSecret(v) && !strings.ContainsRune(v, '(') {
		return sp, true
	}
	return Span{}, false
}

// findColonValue reads the value of a denied key written with a colon at
// str[i], in the forms a program's text takes:
//
//   - a header line, "Cookie: a=1; b=2" or "Authorization: Token x": the
//     value runs to the end of the line;
//   - a Go %v dump of a map or http.Header, "Authorization:[Bearer x]": the
//     value runs to the ']';
//   - a Go %+v dump of a struct, "{Host:db Password:x}": the value is the
//     word after the colon;
//   - "key: value" (YAML, headers, prose): when the key has a separator
//     (api_key, X-Api-Key) or is a word for a password or token whose value
//     looks like a secret (it has a digit or a symbol or mixed case, or is
//     long). Go errors name their package the same way ("auth: user not
//     found", "token: expired"), and those stay.
//
// The key must start the text or follow a space, a bracket, a comma, a
// semicolon, a quote or '='; after a '/' it may end a file path ("open
// /run/secrets/db_password: permission denied"), and is read only when its
// value looks like a secret.
func (s *Scrubber) findColonValue(str string, i int) (Span, bool) {
	k := i
	for k > 0 && i-k <= maxKeyInline && isKeyByte(str[k-1]) {
		k--
	}
	// After a '/' the key may end a file path (open /run/secrets/db_password:
	// permission denied): its value must look like a secret.
	inPath := k > 0 && str[k-1] == '/'
	if k == i || k > 0 && !startsKey(str[k-1]) && !inPath || i+1 >= len(str) {
		return Span{}, false
	}
	key := str[k:i]
	if !s.denied(key) {
		return Span{}, false
	}
	j := i + 1
	switch c := str[j]; {
	case inPath && c != ' ':
		return Span{}, false
	case c == '[':
		end := strings.IndexByte(str[j:], ']')
		if end < 0 {
			end = len(str) - j
		}
		return nonEmpty(j+1, j+end, str)
	case c == ' ' || c == '\t':
		for j < len(str) && (str[j] == ' ' || str[j] == '\t') {
			j++
		}
		if isHeaderLineKey(key) && !inPath {
			end := headerLineEnd(str, j)
			return nonEmpty(skipScheme(str, j, end), end, str)
		}
		sp, ok := valueSpan(str, j)
		if !ok {
			return Span{}, false
		}
		quoted := str[j] == '"' || str[j] == '\''
		plain := hasSeparator(key) || isSecretWord(key)
		if quoted && !inPath || hasSeparator(key) && !inPath || plain && looksSecret(str[sp.Start:sp.End]) {
			return sp, true
		}
		return Span{}, false
	case c == '/' || c == ':' || c == '=' || endsValue(c):
		return Span{}, false // a URL's scheme, "::", an empty value
	default:
		end := j
		for end < len(str) && !endsValue(str[end]) {
			end++
		}
		return nonEmpty(j, end, str)
	}
}

// headerLineEnd returns where a header line's value starting at str[j]
// ends: at the end of the line, or at a '"' that closes a quotation the
// header sits in. A quoted parameter (Digest's response="…", a cookie's
// a="…") is part of the value.
func headerLineEnd(str string, j int) int {
	end := j
	for end < len(str) && str[end] != '\n' && str[end] != '\r' {
		if str[end] == '"' {
			if end == j || str[end-1] != '=' {
				break
			}
			c := strings.IndexByte(str[end+1:], '"')
			if c < 0 {
				return len(str)
			}
			end += c + 2
			continue
		}
		end++
	}
	return min(end, len(str))
}

// nonEmpty returns the span [start, end) of str unless it is empty, already
// filtered or a placeholder.
func nonEmpty(start, end int, str string) (Span, bool) {
	if end <= start || str[start:end] == Filtered || isPlaceholder(str[start:end]) {
		return Span{}, false
	}
	return Span{start, end}, true
}

// isHeaderLineKey reports the headers whose whole value is a credential.
func isHeaderLineKey(key string) bool {
	var buf [maxKeyInline]byte
	switch string(normalizeKey(buf[:0], key)) {
	case "cookie", "setcookie", "authorization", "proxyauthorization":
		return true
	}
	return false
}

// skipScheme returns where the credential of an Authorization value at
// str[start:end] begins: after its scheme word (Bearer, Basic, Token, …),
// which is kept.
func skipScheme(str string, start, end int) int {
	j := start
	for j < end && isAlpha(str[j]) {
		j++
	}
	if j > start && j < end && str[j] == ' ' && j+1 < end {
		return j + 1
	}
	return start
}

func hasSeparator(key string) bool { return strings.ContainsAny(key, "_-.") }

// isSecretWord reports the one-word keys whose "key: value" is read in prose.
func isSecretWord(key string) bool {
	var buf [maxKeyInline]byte
	switch string(normalizeKey(buf[:0], key)) {
	case "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "privatekey":
		return true
	}
	return false
}

// looksSecret reports whether a word looks like a credential rather than
// prose: it has a digit or a symbol, upper and lower case after its first
// letter, or 24 bytes or more. A number of one to three digits is a status
// or a count, no secret ("oauth2: cannot fetch token: 401 Unauthorized").
func looksSecret(w string) bool {
	w = strings.TrimRight(w, ".!?:") // the end of a sentence
	if len(w) >= 24 {
		return true
	}
	if len(w) <= 3 && strings.Trim(w, "0123456789") == "" {
		return false
	}
	var lower, upper bool
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = upper || i > 0
		default:
			return true
		}
	}
	return lower && upper
}

// isPlaceholder reports values that stand for a value and are no secret: a
// query placeholder (?, $1, :name), a format verb (%s), a template
// ({name}, <name>), a mask (***, xxxx), a marker of redaction and the
// booleans and empties (true, null, nil, none).
func isPlaceholder(v string) bool {
	if v == "" {
		return true
	}
	switch v[0] {
	case '?':
		return len(v) == 1
	case '$': // $1
		return len(v) > 1 && len(v) <= 3 && isDigit(v[1]) && isDigit(v[len(v)-1])
	case '%': // %s
		return len(v) == 2 && isAlpha(v[1])
	case ':': // :name
		for i := 1; i < len(v); i++ {
			if !('a' <= v[i] && v[i] <= 'z') && v[i] != '_' {
				return false
			}
		}
		return len(v) > 1 && len(v) <= 32
	case '{', '<':
		return len(v) <= 32 && (v[len(v)-1] == '}' || v[len(v)-1] == '>')
	}
	if strings.Trim(v, "*") == "" || len(v) >= 3 && strings.Trim(v, "xX") == "" {
		return true
	}
	var buf [16]byte
	if len(v) > len(buf) {
		return false
	}
	switch string(normalizeKey(buf[:0], strings.Trim(v, "[]()"))) {
	case "true", "false", "null", "nil", "none", "empty", "redacted", "hidden", "masked", "filtered", "removed", "omitted":
		return true
	}
	return false
}

// valueSpan returns the value starting at str[i]: the inside of a quoted
// string, or the run up to a terminator. A placeholder is no value.
func valueSpan(str string, i int) (Span, bool) {
	if i >= len(str) || strings.HasPrefix(str[i:], Filtered) {
		return Span{}, false
	}
	if strings.HasPrefix(str[i:], `\"`) { // an escaped quote opens the value
		j := strings.Index(str[i+2:], `\"`)
		if j < 0 {
			j = len(str) - i - 2
		}
		return nonEmpty(i+2, i+2+j, str)
	}
	if q := str[i]; q == '"' || q == '\'' {
		j := i + 1
		for j < len(str) && str[j] != q {
			if str[j] == '\\' {
				j++
			}
			j++
		}
		j = min(j, len(str))
		return nonEmpty(i+1, j, str)
	}
	if str[i] == '{' || str[i] == '[' {
		return Span{}, false
	}
	j := i
	for j < len(str) && !endsValue(str[j]) {
		j++
	}
	return nonEmpty(i, j, str)
}

// quoteBefore returns the index of the quote closing a key just before the
// colon at str[i] ("key": or "key" :, up to three spaces between), or -1.
func quoteBefore(str string, i int) int {
	p := i - 1
	for p > 0 && i-p <= 3 && str[p] == ' ' {
		p--
	}
	if p >= 0 && (str[p] == '"' || str[p] == '\'') {
		return p
	}
	return -1
}

// flagAt reports whether str[i] ('-') may start a command-line flag that
// findFlagValue reads: --word, or -u/-p followed by a space.
func flagAt(s string, i int) bool {
	if i > 0 && s[i-1] != ' ' && s[i-1] != '\t' || i+2 >= len(s) {
		return false
	}
	return s[i+1] == '-' && isAlpha(s[i+2]) || (s[i+1] == 'u' || s[i+1] == 'p') && s[i+2] == ' '
}

// findFlagValue reads the value of a command-line flag at str[i] ('-')
// written with a space, as logged command lines carry them:
//
//   - --password S3cret, --token X, --client-secret X, --ftp-password X:
//     a flag whose name is denied and whose last word names the secret
//     itself (password, passwd, pwd, pass, passphrase, secret, token; or
//     api-key, access-key, secret-key, private-key). A flag naming where
//     or how long a secret is (--password-file, --token-ttl) stays, and so
//     does a value that is another flag;
//   - -u user:password, --user user:password (curl, wget): the part after
//     the colon; docker's uid:gid (-u 1000:1000) stays;
//   - -p S3cret (mysql and the like): when the value looks like a secret,
//     has a letter and is no path, since -p is also a port (-p 22,
//     -p 8080:80) and a switch before a path (mkdir -p /var/lib/app).
//
// The forms with '=' (--token=x, --user=a:b) are read by
// findEqualsValue and here.
func (s *Scrubber) findFlagValue(str string, i int) (Span, bool) {
	j := i + 1
	if j < len(str) && str[j] == '-' {
		j++
	}
	k := j
	for k < len(str) && k-j <= maxKeyInline && (isAlnum(str[k]) || str[k] == '-' || str[k] == '_') {
		k++
	}
	if k == j || k+1 >= len(str) || str[k] != ' ' && str[k] != '=' {
		return Span{}, false
	}
	name := str[j:k]
	long := j == i+2
	v := k + 1
	if str[v] == '-' {
		return Span{}, false // another flag
	}
	sp, ok := valueSpan(str, v)
	if !ok {
		return Span{}, false
	}
	val := str[sp.Start:sp.End]
	switch {
	case name == "user" && long || name == "u" && !long:
		c := strings.IndexByte(val, ':')
		if c < 0 || strings.Trim(val, "0123456789:") == "" {
			return Span{}, false // a user, or docker's uid:gid
		}
		return nonEmpty(sp.Start+c+1, sp.End, str)
	case str[k] == '=':
		return Span{}, false // findEqualsValue's
	case name == "p" && !long:
		if looksSecret(val) && strings.IndexFunc(val, func(r rune) bool { return r < 0x80 && isAlpha(byte(r)) }) >= 0 &&
			!strings.ContainsRune(val, '/') && val[0] != '.' && val[0] != '~' && val[0] != '$' {
			return sp, true
		}
		return Span{}, false
	case long && s.denied(name) && isSecretFlag(name):
		return sp, true
	}
	return Span{}, false
}

// isSecretFlag reports flag names whose last word names the secret itself.
func isSecretFlag(name string) bool {
	p := len(name)
	for p > 0 && name[p-1] != '-' && name[p-1] != '_' {
		p--
	}
	switch strings.ToLower(name[p:]) {
	case "password", "passwd", "pwd", "pass", "passphrase", "secret", "token":
		return true
	case "key":
		var buf [maxKeyInline]byte
		n := string(normalizeKey(buf[:0], name))
		return strings.HasSuffix(n, "apikey") || strings.HasSuffix(n, "accesskey") ||
			strings.HasSuffix(n, "secretkey") || strings.HasSuffix(n, "privatekey")
	}
	return false
}

// isShortPassKey reports pass and pw, the short password keys of web
// forms, which are not on the denylist since prose uses them ("tests
// pass=12").
func isShortPassKey(key string) bool {
	switch len(key) {
	case 2:
		return key[0]|0x20 == 'p' && key[1]|0x20 == 'w'
	case 4:
		return strings.EqualFold(key, "pass")
	}
	return false
}

// formPassValue reads the value of pass= or pw= (the key at str[k:i]) in a
// form body or a query string: after '&' or '?', or followed by '&'; or
// anywhere when the value looks like a secret and is more than a number.
func formPassValue(str string, k, i int) (Span, bool) {
	sp, ok := valueSpan(str, i+1)
	if !ok {
		return Span{}, false
	}
	if k > 0 && (str[k-1] == '&' || str[k-1] == '?') || sp.End < len(str) && str[sp.End] == '&' {
		return sp, true
	}
	v := str[sp.Start:sp.End]
	if looksSecret(v) && strings.Trim(v, "0123456789") != "" {
		return sp, true
	}
	return Span{}, false
}

// isMetadataKey reports keys that name facts about a secret rather than the
// secret: their last word is at, length, len, count, ttl or name
// (password_changed_at, password_length, secret_name, token_ttl).
func isMetadataKey(key string) bool {
	p := len(key) - 1
	for p > 0 && key[p] != '-' && key[p] != '_' && key[p] != '.' {
		p--
	}
	if p <= 0 || len(key)-p > 7 {
		return false
	}
	var buf [6]byte
	w := buf[:0]
	for i := p + 1; i < len(key); i++ {
		w = append(w, key[i]|0x20)
	}
	switch string(w) {
	case "at", "length", "len", "count", "ttl", "name":
		return true
	}
	return false
}

// isPlainValue reports the values a metadata key holds that cannot be a
// secret: a number of up to six digits, a duration (5m, 90s), a timestamp
// (2024-01-01T00:00:00Z) or lowercase words joined by '-' or '_'
// (db-credentials). Any other value under such a key is still filtered.
func isPlainValue(v string) bool {
	if v == "" {
		return false
	}
	if len(v) <= 6 && strings.Trim(v, "0123456789") == "" {
		return true
	}
	if len(v) <= 8 && isDigit(v[0]) && strings.Trim(strings.TrimRight(v, "hms"), "0123456789") == "" {
		return true
	}
	if isTimestamp(v) {
		return true
	}
	if v[0] < 'a' || v[0] > 'z' || len(v) > 40 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z') && !((c == '-' || c == '_') && i+1 < len(v) && v[i-1] != '-' && v[i-1] != '_') {
			return false
		}
	}
	return true
}

// isTimestamp reports an RFC 3339 date or date-time: 2024-01-01,
// 2024-01-01T00:00:00Z, 2024-01-01T00:00:00.123+02:00.
func isTimestamp(v string) bool {
	if len(v) < 10 || len(v) > 35 {
		return false
	}
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			if v[i] != '-' {
				return false
			}
		} else if !isDigit(v[i]) {
			return false
		}
	}
	if len(v) == 10 {
		return true
	}
	if v[10] != 'T' && v[10] != 't' {
		return false
	}
	for i := 11; i < len(v); i++ {
		if c := v[i]; !isDigit(c) && !strings.ContainsRune(":.+-Zz", rune(c)) {
			return false
		}
	}
	return true
}
