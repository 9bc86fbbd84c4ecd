// Interop peer: a Go grpc client of agentruns.v1.RunsService over h2c.
//
// Usage: go-client HOST:PORT
//
// Streams a run of the demo assistant (stream mode UPDATES), then lists its
// last two messages. Prints one line per stream event and one for the
// messages, in the format test/interop/interop.test.ts reads (the Python peer
// prints the same):
//
//	event metadata run_id=<id> thread_id=<id>
//	event part mode=STREAM_MODE_UPDATES
//	event error name=<name>
//	event end status=RUN_STATUS_SUCCESS
//	messages count=2 types=tool,ai has_more=true
//
// Exits non-zero on any error. The stubs come from buf (test/peers/python-go.sh).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"

	runsv1 "agentruns-interop/gen/agentruns/v1"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-client HOST:PORT")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "go-client:", err)
		os.Exit(1)
	}
}

func run(target string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Loopback only: never route through an HTTP proxy from the environment.
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithNoProxy())
	if err != nil {
		return fmt.Errorf("dial %s: %w", target, err)
	}
	defer conn.Close()
	client := runsv1.NewRunsServiceClient(conn)

	input, err := structpb.NewStruct(map[string]any{
		"messages": []any{map[string]any{"role": "user", "content": "hello from go"}},
	})
	if err != nil {
		return err
	}
	stream, err := client.StreamRun(ctx, &runsv1.StreamRunRequest{Run: &runsv1.RunCreate{
		AssistantId: "demo",
		Input:       input,
		StreamMode:  []runsv1.StreamMode{runsv1.StreamMode_STREAM_MODE_UPDATES},
	}})
	if err != nil {
		return fmt.Errorf("StreamRun: %w", err)
	}
	runID := ""
	for {
		response, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("StreamRun: %w", err)
		}
		event := response.GetEvent()
		if event == nil {
			continue // a heartbeat: not an event
		}
		switch kind := event.Kind.(type) {
		case *runsv1.RunEvent_Metadata:
			runID = kind.Metadata.GetRunId()
			fmt.Printf("event metadata run_id=%s thread_id=%s\n", runID, kind.Metadata.GetThreadId())
		case *runsv1.RunEvent_Part:
			fmt.Printf("event part mode=%s\n", kind.Part.GetMode())
		case *runsv1.RunEvent_Error:
			fmt.Printf("event error name=%s\n", kind.Error.GetName())
		case *runsv1.RunEvent_End:
			fmt.Printf("event end status=%s\n", kind.End.GetStatus())
		default:
			return fmt.Errorf("event %d has no kind", event.GetEventId())
		}
	}
	if runID == "" {
		return errors.New("the stream sent no metadata event")
	}

	limit := int32(2)
	listed, err := client.ListRunMessages(ctx, &runsv1.ListRunMessagesRequest{RunId: runID, Limit: &limit})
	if err != nil {
		return fmt.Errorf("ListRunMessages: %w", err)
	}
	types := make([]string, 0, len(listed.GetMessages()))
	for _, m := range listed.GetMessages() {
		types = append(types, m.GetMessage().GetFields()["type"].GetStringValue())
	}
	fmt.Printf("messages count=%d types=%s has_more=%t\n", len(listed.GetMessages()), strings.Join(types, ","), listed.GetHasMore())
	return nil
}
