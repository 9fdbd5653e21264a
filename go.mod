module github.com/visagehq/visage

go 1.26.8
