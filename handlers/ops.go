package handlers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/bus"
)

// addOps adds the operator endpoints (bus.OpsStatus, bus.OpsAdminPrefix)
// to the handlers' micro service, group "ops".
func (s *Service) addOps(ctx context.Context) error {
	err := s.svc.AddEndpoint("ops-status", micro.ContextHandler(ctx, s.opsStatus),
		micro.WithEndpointSubject(bus.OpsStatus))
	if err != nil {
		return fmt.Errorf("handlers: endpoint ops-status: %w", err)
	}
	if err := s.startRecent(ctx); err != nil {
		return err
	}
	return s.addAdmin(ctx)
}

// opsStatus answers the status snapshot.
func (s *Service) opsStatus(ctx context.Context, req micro.Request) {
	b, err := json.Marshal(s.status(ctx))
	if err != nil {
		req.Error("500", err.Error(), nil)
		return
	}
	req.Respond(b)
}
