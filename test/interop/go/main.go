// Interop peer: a Go grpc client of agentruns.v1.RunsService over h2c.
//
// Usage: go-client HOST:PORT
//
// Streams a run of the demo assistant (stream mode UPDATES), then lists its
// last two messages; then starts a second run on the same thread in the
// background (CreateRun), waits for it (AwaitRun), lists the thread's runs
// (ListRuns) and reads the thread's state (ThreadsService.GetThreadState).
// Prints one line per stream event and one per later call, in the format
// test/interop/interop.test.ts reads (the Python peer prints the same):
//
//	event metadata run_id=<id> thread_id=<id>
//	event part mode=STREAM_MODE_UPDATES
//	event error name=<name>
//	event end status=RUN_STATUS_SUCCESS
//	messages count=2 types=tool,ai has_more=true
//	created run_id=<id> status=RUN_STATUS_PENDING|RUN_STATUS_RUNNING
//	awaited status=RUN_STATUS_SUCCESS values_messages=8
//	listed count=2 first=<id> second=<id> next_page_token=
//	state checkpoint=<id> values_messages=8 next=0
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
	runID, threadID := "", ""
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
			runID, threadID = kind.Metadata.GetRunId(), kind.Metadata.GetThreadId()
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
	return background(ctx, client, runsv1.NewThreadsServiceClient(conn), threadID)
}

// background runs CreateRun on the thread, AwaitRun, ListRuns on the thread and GetThreadState.
func background(ctx context.Context, client runsv1.RunsServiceClient, threads runsv1.ThreadsServiceClient, threadID string) error {
	input, err := structpb.NewStruct(map[string]any{
		"messages": []any{map[string]any{"role": "user", "content": "again from go"}},
	})
	if err != nil {
		return err
	}
	created, err := client.CreateRun(ctx, &runsv1.CreateRunRequest{Run: &runsv1.RunCreate{AssistantId: "demo", ThreadId: threadID, Input: input}})
	if err != nil {
		return fmt.Errorf("CreateRun: %w", err)
	}
	fmt.Printf("created run_id=%s status=%s\n", created.GetRun().GetRunId(), created.GetRun().GetStatus())
	awaited, err := client.AwaitRun(ctx, &runsv1.AwaitRunRequest{RunId: created.GetRun().GetRunId()})
	if err != nil {
		return fmt.Errorf("AwaitRun: %w", err)
	}
	fmt.Printf("awaited status=%s values_messages=%d\n", awaited.GetRun().GetStatus(), len(awaited.GetValues().GetFields()["messages"].GetListValue().GetValues()))
	runs, err := client.ListRuns(ctx, &runsv1.ListRunsRequest{ThreadId: threadID})
	if err != nil {
		return fmt.Errorf("ListRuns: %w", err)
	}
	if len(runs.GetRuns()) == 0 {
		return errors.New("ListRuns returned no runs")
	}
	fmt.Printf("listed count=%d first=%s second=%s next_page_token=%s\n", len(runs.GetRuns()), runs.GetRuns()[0].GetRunId(), runs.GetRuns()[len(runs.GetRuns())-1].GetRunId(), runs.GetNextPageToken())
	state, err := threads.GetThreadState(ctx, &runsv1.GetThreadStateRequest{ThreadId: threadID})
	if err != nil {
		return fmt.Errorf("GetThreadState: %w", err)
	}
	s := state.GetState()
	fmt.Printf("state checkpoint=%s values_messages=%d next=%d\n", s.GetCheckpointId(), len(s.GetValues().GetFields()["messages"].GetListValue().GetValues()), len(s.GetNext()))
	return nil
}
