// k8s-decode: reads `helm template` output (YAML documents) on stdin and
// decodes every object strictly into Kubernetes' own API types (k8s.io/api),
// with apimachinery's strict serializer: an unknown or duplicated field, a
// wrong type, or a kind not in the scheme is an error. On success it prints
// the decoded objects, re-encoded from the typed structs, as one JSON array
// (so a test reads what Kubernetes would see, not the YAML as written).
// Exit status 1 on the first error, naming the document.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

func main() {
	objects, err := decodeAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8s-decode:", err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(objects, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8s-decode:", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(out, '\n'))
}

func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

func decodeAll(in io.Reader) ([]runtime.Object, error) {
	scheme, err := newScheme()
	if err != nil {
		return nil, err
	}
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
	objects := []runtime.Object{}
	for index := 0; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", index, err)
		}
		if isEmpty(doc) {
			continue
		}
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			// Strict errors come with a decoded object: they still fail here.
			return nil, fmt.Errorf("document %d (%s): %w", index, describe(doc), err)
		}
		obj.GetObjectKind().SetGroupVersionKind(*gvk)
		objects = append(objects, obj)
	}
	if len(objects) == 0 {
		return nil, errors.New("no objects on stdin")
	}
	return objects, nil
}

// isEmpty: a document holding only comments and blank lines (helm emits them for empty templates).
func isEmpty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && !bytes.Equal(line, []byte("---")) {
			return false
		}
	}
	return true
}

// describe: helm's "# Source:" comment when there is one, else the document's first line.
func describe(doc []byte) string {
	first := ""
	for _, line := range bytes.Split(doc, []byte("\n")) {
		text := bytes.TrimSpace(line)
		if bytes.HasPrefix(text, []byte("# Source: ")) {
			return string(text[len("# Source: "):])
		}
		if first == "" && len(text) > 0 && text[0] != '#' && !bytes.Equal(text, []byte("---")) {
			first = string(text)
		}
	}
	return first
}
