module github.com/visagehq/visage

go 1.26.8

require (
	github.com/yalue/onnxruntime_go v1.27.0
	golang.org/x/image v0.47.0
)
