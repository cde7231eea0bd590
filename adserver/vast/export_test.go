package vast

// ParseStd exposes the encoding/xml reference parser to the external tests.
var ParseStd = parseStd
