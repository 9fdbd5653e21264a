package web

import "github.com/visagehq/visage/web/internal/bundle"

// Bundle builds, in memory and from the sources in web/src and web/types,
// every file Asset serves, keyed by name. web/cmd/bundle writes its output
// to web/dist; TestBundleIsFresh checks that the embedded copy matches it.
func Bundle() (map[string][]byte, error) {
	dir, err := bundle.WebDir()
	if err != nil {
		return nil, err
	}
	return bundle.Build(dir)
}
