package loadtest

// URL is the plain scenario: GET target, exactly as given, every time. It is what --scenario
// defaults to, for any HTTP endpoint.
func URL(target string) *Scenario {
	return &Scenario{Name: "url", Target: target, Requests: []Request{{Method: "GET", URI: target}}}
}
