"""A protoc plugin (as buf runs local plugins) for grpcio-tools' grpc_python generator.

grpcio-tools builds its generator into the protoc it embeds and ships no
standalone protoc-gen-* binary. This reads buf's CodeGeneratorRequest, hands
its descriptors to `python -m grpc_tools.protoc --descriptor_set_in ...
--grpc_python_out ...`, and answers with the files it wrote.
"""

import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    with tempfile.TemporaryDirectory() as tmp:
        descriptors = os.path.join(tmp, "descriptors.binpb")
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        with open(descriptors, "wb") as f:
            f.write(descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString())
        target = f"{request.parameter}:{out}" if request.parameter else out
        result = subprocess.run(
            [sys.executable, "-m", "grpc_tools.protoc", f"--descriptor_set_in={descriptors}",
             f"--grpc_python_out={target}", *request.file_to_generate],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            response.error = f"grpc_tools.protoc failed ({result.returncode}): {result.stderr.strip()}"
        else:
            for dirpath, _, names in os.walk(out):
                for name in sorted(names):
                    path = os.path.join(dirpath, name)
                    with open(path, encoding="utf-8") as f:
                        response.file.add(name=os.path.relpath(path, out), content=f.read())
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()
