// A Swift client joining a Flower server: `flwr.server.start_server` (Flower 1.41, grpc-bidi)
// or `pollen server` — they speak the same protocol.
//
//   swift run FlowerServerClientExample 127.0.0.1:8080 [client-id]
import ExampleSupport
import PollenCore
import PollenGRPC

let arguments = CommandLine.arguments.dropFirst()
let server = arguments.first ?? "127.0.0.1:8080"
let id = arguments.dropFirst().first.flatMap { Int($0) } ?? 0
// Runs until the server ends the run (it sends a disconnect), retrying while it starts up.
try await FlowerGRPCClient.run(server: server, client: TargetClient(id: id).asClient())
print("client \(id): the server ended the run")
