// Package lease runs a piece of work in at most one process of a
// deployment at a time, and moves it to another process when its holder
// dies: a lease on a key of a JetStream key-value bucket.
//
// The bucket's TTL (MaxAge) is the lease period: every write of the key
// (the holder's name and a token of the hold) lapses ttl after it was
// stored. The holder takes the
// key with Create (which fails while anyone holds it) and renews it every
// ttl/3 with Update at the revision it last wrote (which fails once the
// key lapsed or someone else took it). A holder that dies stops renewing;
// at most ttl later its key is gone and another process's Create wins.
//
// Fencing: work runs with a context that is cancelled as soon as a
// renewal fails (or times out, after at most ttl/3) - so by at most
// 2/3 ttl after the last successful renewal began, before the key can
// lapse (ttl after that write) and anyone else can take over. Work must
// stop touching the shared resource when its context ends; a second guard
// inside the resource (the relay's expected last sequence) is still
// worth having, because a process can be paused between checking its
// context and acting.
package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Bucket creates the lease bucket, or updates its TTL: one revision per
// key, TTL = lease period, memory storage (a lease is worth nothing after
// its period, so it need not reach disk). Every process of a deployment
// must use the same ttl. A single NATS server that restarts keeps no
// memory stream: the bucket and its keys are gone, Run returns
// ErrBucketGone, and RunInBucket re-creates the bucket and campaigns
// again. A holder still alive then loses its next renewal (fencing its
// work) while a new holder may already have started: the resource's own
// guard covers that moment.
func Bucket(ctx context.Context, js jetstream.JetStream, name string, ttl time.Duration) (jetstream.KeyValue, error) {
	if ttl < 300*time.Millisecond {
		return nil, fmt.Errorf("lease: period %v is too short (at least 300ms)", ttl)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      name,
		Description: "mh3net leases: one holder per key, lapsing when not renewed",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.MemoryStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("lease: bucket %s: %w", name, err)
	}
	return kv, nil
}

// Run campaigns for key in kv as holder until ctx ends, and runs work
// while it holds the lease (see the package comment for how it is held
// and fenced). ttl is the lease period and must equal the bucket's TTL.
// Run waits for work to return before it campaigns again, so one Run
// never has two works running. Work should run until its context ends;
// if it returns earlier, the lease is released and Run campaigns again
// after ttl/3. When ctx ends, Run cancels work, waits for it, releases
// the lease (so another process takes over at once) and returns nil. It
// returns an error only when it can never hold the lease: a bucket whose
// TTL is not ttl, a bucket gone (ErrBucketGone), or a NATS connection
// closed for good.
func Run(ctx context.Context, kv jetstream.KeyValue, key, holder string, ttl time.Duration, work func(ctx context.Context)) error {
	log := slog.Default().With("lease", kv.Bucket()+"/"+key, "holder", holder)
	period := ttl / 3
	// The key holds the holder's name and a token of this hold. A new
	// token after each hold: a renewal of an ended hold that NATS
	// delivers late (the client buffers writes while it reconnects) must
	// not look like this holder's when a restarted server numbers the
	// re-created key's revisions from 1 again.
	token := holdToken(holder)
	for ctx.Err() == nil {
		rev, err := acquire(ctx, kv, key, token, ttl)
		var cfgErr *configError
		if errors.As(err, &cfgErr) {
			return err
		}
		if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) {
			return fmt.Errorf("%w: %w", ErrBucketGone, err)
		}
		if errors.Is(err, nats.ErrConnectionClosed) {
			return fmt.Errorf("lease: %w", err) // closed for good: no campaign can succeed
		}
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, jetstream.ErrKeyExists) {
				log.Warn("lease: campaign failed, retrying", "err", err)
			}
			sleep(ctx, period)
			continue
		}
		log.Info("lease acquired", "revision", rev)
		rev, err = hold(ctx, kv, key, token, rev, period, work)
		token = holdToken(holder)
		switch {
		case ctx.Err() != nil:
			rctx, cancel := context.WithTimeout(context.Background(), period)
			err := kv.Delete(rctx, key, jetstream.LastRevision(rev))
			cancel()
			log.Info("lease released", "err", err)
		case err != nil:
			log.Warn("lease lost", "err", err)
		default:
			rctx, cancel := context.WithTimeout(ctx, period)
			err := kv.Delete(rctx, key, jetstream.LastRevision(rev))
			cancel()
			log.Warn("lease: work returned while holding the lease; released it", "err", err)
			sleep(ctx, period)
		}
	}
	return nil
}

// ErrBucketGone is returned by Run when the lease bucket no longer
// exists (deleted, or a memory bucket lost to a NATS restart): re-create
// it with Bucket and call Run again.
var ErrBucketGone = errors.New("lease: bucket gone")

// RunInBucket is Run on the bucket called bucket: it creates the bucket
// (retrying while NATS is unavailable) and re-creates it whenever it is
// gone. It returns when ctx ends (nil) or Run fails for another reason.
func RunInBucket(ctx context.Context, js jetstream.JetStream, bucket, key, holder string, ttl time.Duration, work func(ctx context.Context)) error {
	log := slog.Default().With("lease", bucket+"/"+key, "holder", holder)
	for ctx.Err() == nil {
		kv, err := Bucket(ctx, js, bucket, ttl)
		if err != nil {
			if errors.Is(err, nats.ErrConnectionClosed) {
				return err
			}
			if ctx.Err() != nil {
				break
			}
			log.Warn("lease bucket unavailable, retrying", "err", err)
			sleep(ctx, ttl/3)
			continue
		}
		err = Run(ctx, kv, key, holder, ttl, work)
		if !errors.Is(err, ErrBucketGone) {
			return err
		}
		log.Warn("lease bucket gone, re-creating it", "err", err)
	}
	return nil
}

type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }

// holdToken is what a hold writes in the key: the holder's name and a
// token of its own.
func holdToken(holder string) string { return holder + " " + nuid.Next() }

// acquire takes the key if nobody holds it (or this campaign's token
// does: a Create whose answer was lost) and returns the revision written.
func acquire(ctx context.Context, kv jetstream.KeyValue, key, holder string, ttl time.Duration) (uint64, error) {
	cctx, cancel := context.WithTimeout(ctx, ttl/3)
	defer cancel()
	st, err := kv.Status(cctx)
	if err != nil {
		return 0, err
	}
	if st.TTL() != ttl {
		return 0, &configError{fmt.Errorf("lease: bucket %s lapses keys after %v, but the lease period is %v (every process must use the same period)", kv.Bucket(), st.TTL(), ttl)}
	}
	rev, err := kv.Create(cctx, key, []byte(holder))
	if err == nil || !errors.Is(err, jetstream.ErrKeyExists) {
		return rev, err
	}
	e, gerr := kv.Get(cctx, key)
	if gerr != nil || string(e.Value()) != holder {
		return 0, err
	}
	return kv.Update(cctx, key, []byte(holder), e.Revision())
}

// hold runs work and renews the lease until ctx ends, a renewal fails or
// work returns. It returns the last revision written and the renewal
// error, if one ended it.
func hold(ctx context.Context, kv jetstream.KeyValue, key, holder string, rev uint64, period time.Duration, work func(ctx context.Context)) (uint64, error) {
	wctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		work(wctx)
	}()
	last := time.Now() // when the last successful write began
	for {
		select {
		case <-ctx.Done():
			cancel(ctx.Err())
			<-done
			return rev, nil
		case <-done:
			cancel(nil)
			return rev, nil
		case <-time.After(time.Until(last.Add(period))):
		}
		start := time.Now()
		rctx, rcancel := context.WithTimeout(ctx, period)
		next, err := kv.Update(rctx, key, []byte(holder), rev)
		rcancel()
		if ctx.Err() != nil {
			continue // stopping: handled above
		}
		if err != nil {
			err = fmt.Errorf("lease: renewal failed: %w", err)
			cancel(err) // fencing: stop work before the key can lapse
			<-done
			return rev, err
		}
		rev, last = next, start
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
