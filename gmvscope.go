// Package gmvscope holds what the gmvscope binary carries with it: the
// bundled configuration (the sample market's source and documented
// examples), so that `gmvscope demo` works from any folder and
// `gmvscope init` can write a starter config.
package gmvscope

import _ "embed"

// DefaultConfig is config.yaml as it ships.
//
//go:embed config.yaml
var DefaultConfig []byte
