package face

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// ONNX Runtime is a process-wide library: it is loaded once, from the first
// path given, and stays loaded. onnxruntime_go v1.27 speaks C API version 24;
// the library we fetch (onnxruntime-node 1.30.0) serves every API version up
// to 30, so the binding's older table is a supported request.
var (
	runtimeOnce sync.Once
	runtimeErr  error
	runtimePath string
)

func initRuntime(lib string) error {
	if abs, err := filepath.Abs(lib); err == nil {
		lib = abs // the same file by two relative paths is one library
	}
	runtimeOnce.Do(func() {
		if _, err := os.Stat(lib); err != nil {
			runtimeErr = fmt.Errorf("ONNX Runtime library not found at %s (run `make setup`, or set VISAGE_ORT_LIB): %w", lib, err)
			return
		}
		runtimePath = lib
		ort.SetSharedLibraryPath(lib)
		runtimeErr = ort.InitializeEnvironment(ort.WithLogLevelError())
		if runtimeErr == nil {
			// Telemetry is a Windows-only event source; disabling is a no-op
			// elsewhere, but say so explicitly: nothing leaves the machine.
			_ = ort.DisableTelemetry()
		}
	})
	if runtimeErr == nil && runtimePath != lib {
		return fmt.Errorf("ONNX Runtime already loaded from %s; cannot load %s too", runtimePath, lib)
	}
	return runtimeErr
}

// RuntimeVersion is the version string of the loaded ONNX Runtime library.
func RuntimeVersion() string { return ort.GetVersion() }

// modelFile is an ONNX model read into memory once per engine; every worker
// builds its own session from the same bytes.
type modelFile struct {
	name string // file name without extension, e.g. "fr_feature"
	data []byte
	sum  string // hex SHA-256 of data
}

// ID names the exact weights: the file name and the start of its checksum.
// Templates carry it so that scores are never mixed across models.
func (m *modelFile) ID() string { return m.name + "@" + m.sum[:12] }

func loadModel(dir, name string) (*modelFile, error) {
	path := filepath.Join(dir, name+".onnx")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w (run `make setup`, or set VISAGE_MODELS)", name, err)
	}
	h := sha256.Sum256(data)
	return &modelFile{name: name, data: data, sum: hex.EncodeToString(h[:])}, nil
}

// session is one ONNX Runtime session bound, once, to tensors whose Go
// memory it reads and writes on every run, so that running a model
// allocates nothing: callers fill in(0) and read out(i).
type session struct {
	s       *ort.AdvancedSession
	inputs  []*tensor
	outputs []*tensor
}

// ioSpec names a tensor and its shape.
type ioSpec struct {
	name  string
	shape []int64
}

// newSession makes a single-threaded session: parallelism comes from running
// one worker per core, which on a small machine beats intra-op threads that
// fight over the same cores and spin while idle.
func newSession(m *modelFile, in, out []ioSpec) (*session, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	for _, set := range []func() error{
		func() error { return opts.SetIntraOpNumThreads(1) },
		func() error { return opts.SetInterOpNumThreads(1) },
		func() error { return opts.SetExecutionMode(ort.ExecutionModeSequential) },
		func() error { return opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll) },
		func() error { return opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0") },
	} {
		if err := set(); err != nil {
			return nil, fmt.Errorf("model %s: session options: %w", m.name, err)
		}
	}
	s := &session{}
	var inNames, outNames []string
	var inVals, outVals []ort.Value
	for _, spec := range in {
		t, err := ort.NewEmptyTensor[float32](ort.NewShape(spec.shape...))
		if err != nil {
			s.destroy()
			return nil, err
		}
		s.inputs = append(s.inputs, t)
		inNames, inVals = append(inNames, spec.name), append(inVals, t)
	}
	for _, spec := range out {
		t, err := ort.NewEmptyTensor[float32](ort.NewShape(spec.shape...))
		if err != nil {
			s.destroy()
			return nil, err
		}
		s.outputs = append(s.outputs, t)
		outNames, outVals = append(outNames, spec.name), append(outVals, t)
	}
	s.s, err = ort.NewAdvancedSessionWithONNXData(m.data, inNames, outNames, inVals, outVals, opts)
	if err != nil {
		s.destroy()
		return nil, fmt.Errorf("model %s: %w", m.name, err)
	}
	return s, nil
}

func (s *session) in(i int) []float32  { return s.inputs[i].GetData() }
func (s *session) out(i int) []float32 { return s.outputs[i].GetData() }
func (s *session) run() error          { return s.s.Run() }

func (s *session) destroy() {
	if s.s != nil {
		s.s.Destroy()
	}
	for _, t := range s.inputs {
		t.Destroy()
	}
	for _, t := range s.outputs {
		t.Destroy()
	}
}

// tensor is the one element type the engine's models use.
type tensor = ort.Tensor[float32]
