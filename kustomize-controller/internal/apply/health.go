/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/engine"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/event"
	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/runtime/cel"
	"github.com/fluxcd/pkg/ssa/utils"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
)

// healthPollInterval is how often WaitForHealthy reads the objects.
const healthPollInterval = time.Second

// Option configures a Manager made by New.
type Option func(*managerOptions)

type managerOptions struct {
	// statusReaders are kstatus readers tried before the built-in ones, made with the client's REST mapper.
	statusReaders []func(apimeta.RESTMapper) engine.StatusReader
}

// CustomHealthChecks returns the Option that makes WaitForHealthy (and the wait for definitions in Apply)
// compute the status of the kinds of checks with their CEL expressions (spec.healthCheckExprs): for each
// object, inProgress is evaluated first, then failed, then current; none true means InProgress, and an object
// whose status.observedGeneration differs from its generation is InProgress. A check without kind applies to
// every kind of its API group. It returns nil (no option) without checks, and an error naming the check when
// an expression does not parse or a kind has two checks.
func CustomHealthChecks(checks []kustomize.CustomHealthCheck) (Option, error) {
	if len(checks) == 0 {
		return nil, nil
	}
	newReader, err := cel.NewStatusReader(checks)
	if err != nil {
		return nil, err
	}
	return func(o *managerOptions) { o.statusReaders = append(o.statusReaders, newReader) }, nil
}

// Unhealthy describes an object that did not become ready.
type Unhealthy struct {
	// Object identifies the object.
	Object object.ObjMetadata
	// Status is its last kstatus status (InProgress, Failed, NotFound, Unknown...).
	Status status.Status
	// Message says why, from kstatus or the error reading the object.
	Message string
}

// String formats the entry as "Deployment/prod/web status: 'InProgress': message".
func (u Unhealthy) String() string {
	s := fmt.Sprintf("%s status: '%s'", utils.FmtObjMetadata(u.Object), u.Status)
	if u.Message != "" {
		s += ": " + u.Message
	}
	return s
}

// WaitForHealthy polls the objects with kstatus until all are Current, any that is not Current has
// Failed while the rest are Current, or the timeout passes. It returns the objects that are not Current
// (none when all are healthy). The error is set only when the wait itself failed (ctx cancelled by the
// caller, or the poller stopped).
func (m *Manager) WaitForHealthy(ctx context.Context, set object.ObjMetadataSet, timeout time.Duration) ([]Unhealthy, error) {
	if len(set) == 0 {
		return nil, nil
	}
	pollCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	latest := make(map[object.ObjMetadata]*event.ResourceStatus, len(set))
	var pollErr error
	for e := range m.poller.Poll(pollCtx, set, polling.PollOptions{PollInterval: healthPollInterval}) {
		switch e.Type {
		case event.ErrorEvent:
			// Once the wait's own deadline has passed (or it settled), errors are only the poll ending, such as
			// the client's rate limiter refusing to wait past the deadline: report the objects, not those.
			if pollCtx.Err() == nil && !isDeadlineError(e.Error) {
				pollErr = e.Error
			}
		case event.ResourceUpdateEvent:
			latest[e.Resource.Identifier] = e.Resource
			if settled(set, latest) {
				cancel()
			}
		}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("waiting for %d objects to become ready: %w", len(set), ctx.Err())
	}
	if pollErr != nil && !errors.Is(pollErr, context.Canceled) && !errors.Is(pollErr, context.DeadlineExceeded) {
		return nil, fmt.Errorf("waiting for %d objects to become ready: %w", len(set), pollErr)
	}
	var out []Unhealthy
	for _, id := range set {
		rs := latest[id]
		switch {
		case rs == nil:
			out = append(out, Unhealthy{Object: id, Status: status.UnknownStatus, Message: "status not read before the timeout"})
		case rs.Status != status.CurrentStatus:
			msg := rs.Message
			if rs.Error != nil {
				msg = rs.Error.Error()
			}
			out = append(out, Unhealthy{Object: id, Status: rs.Status, Message: msg})
		}
	}
	return out, nil
}

// settled tells whether every object has a status and all are Current or Failed (Failed never recovers
// on its own, so waiting longer would only delay the report).
// isDeadlineError tells errors that only say the wait ran out of time, including client-go's rate limiter
// refusing to wait past the context's deadline.
func isDeadlineError(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		strings.Contains(err.Error(), "would exceed context deadline")
}

func settled(set object.ObjMetadataSet, latest map[object.ObjMetadata]*event.ResourceStatus) bool {
	for _, id := range set {
		rs := latest[id]
		if rs == nil || (rs.Status != status.CurrentStatus && rs.Status != status.FailedStatus) {
			return false
		}
	}
	return true
}

// HealthError summarises unhealthy objects for the Ready condition message, or returns nil when there
// are none: "2 objects not ready: [Deployment/prod/web status: 'InProgress': ..., ...]".
func HealthError(u []Unhealthy) error {
	if len(u) == 0 {
		return nil
	}
	parts := make([]string, len(u))
	for i, x := range u {
		parts[i] = x.String()
	}
	noun := "objects"
	if len(u) == 1 {
		noun = "object"
	}
	return fmt.Errorf("%d %s not ready: [%s]", len(u), noun, strings.Join(parts, ", "))
}
