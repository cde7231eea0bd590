package vast

// ErrorCode is a VAST error code, substituted for the [ERRORCODE] macro in <Error> URLs.
type ErrorCode int

// The VAST 4.2 error codes an ad server reports (section 2.3.6.3 of the specification).
const (
	ErrXMLParse             ErrorCode = 100 // XML parsing error
	ErrSchemaValidation     ErrorCode = 101 // VAST schema validation error
	ErrVersionUnsupported   ErrorCode = 102 // VAST version of response not supported
	ErrTrafficking          ErrorCode = 200 // trafficking error: the ad is not what was expected
	ErrLinearity            ErrorCode = 201 // expected a different linearity
	ErrDuration             ErrorCode = 202 // expected a different duration
	ErrSize                 ErrorCode = 203 // expected a different size
	ErrCategoryRequired     ErrorCode = 204 // ad category was required but not provided
	ErrCategoryBlocked      ErrorCode = 205 // InLine category violates the wrapper's BlockedAdCategories
	ErrAdBreakShortened     ErrorCode = 206 // the ad break was shortened; the ad was not served
	ErrWrapper              ErrorCode = 300 // general wrapper error
	ErrWrapperTimeout       ErrorCode = 301 // timeout of the VAST URI of a wrapper, incl. refused fetches
	ErrWrapperLimit         ErrorCode = 302 // wrapper limit reached (depth, or a loop)
	ErrNoAdAfterWrapper     ErrorCode = 303 // no VAST response after one or more wrappers
	ErrInLineTimeout        ErrorCode = 304 // the InLine ad failed to display in time
	ErrLinear               ErrorCode = 400 // general linear error
	ErrFileNotFound         ErrorCode = 401 // media file not found
	ErrMediaTimeout         ErrorCode = 402 // timeout of a media file URI
	ErrNoSupportedMediaFile ErrorCode = 403 // no media file the player (here: the stitcher) supports
	ErrMediaDisplay         ErrorCode = 405 // problem displaying the media file
	ErrMezzanineRequired    ErrorCode = 406 // mezzanine required but not provided
	ErrMezzanineDownloading ErrorCode = 407 // mezzanine being downloaded for the first time: ad not served
	ErrConditionedRejected  ErrorCode = 408 // conditional ad rejected
	ErrUndefined            ErrorCode = 900 // undefined error
)
