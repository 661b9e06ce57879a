module github.com/tide-gitops/tide

go 1.26.0
