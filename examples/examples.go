/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package examples embeds the example repositories, so that a tide binary built anywhere carries them:
// `tide dev` copies Demo into its state directory and serves it as a Git repository.
package examples

import "embed"

// Demo is the demo app of `tide dev`: a base (ConfigMap, Deployment, Service) and the overlays dev and
// production. Its files are under "demo/".
//
//go:embed demo
var Demo embed.FS

// DemoRoot is the directory of the demo app inside Demo.
const DemoRoot = "demo"
