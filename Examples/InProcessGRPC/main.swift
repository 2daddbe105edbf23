// A gRPC server (Flower's protocol) and three Swift clients in one process: the server runs
// FedAvg for 5 rounds on 127.0.0.1 (an ephemeral port), the clients join it over the network
// stack exactly as remote devices would, and leave when the server ends the run.
import ExampleSupport
import PollenCore
import PollenGRPC
import PollenServer

let clients = 3
let strategy = FedAvg(fractionEvaluate: 0, minFitClients: clients, minAvailableClients: clients)
let server = Server(
  clientManager: SimpleClientManager(), strategy: strategy, config: ServerConfig(numRounds: 5))
let (ports, listening) = AsyncStream.makeStream(of: Int.self)
let service = FederationService(
  server: server, grpc: FlowerGRPCServer.Config(host: "127.0.0.1", port: 0),
  onListening: { port in listening.yield(port) })

try await withThrowingTaskGroup(of: Void.self) { group in
  group.addTask { try await service.run() }
  var iterator = ports.makeAsyncIterator()
  guard let port = await iterator.next() else { fatalError("the server did not start listening") }
  for id in 0..<clients {
    // Each client returns once the server disconnects it at the end of the run.
    group.addTask {
      try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: TargetClient(id: id).asClient())
    }
  }
  try await group.waitForAll()
}
guard let outcome = service.outcome else { fatalError("the run did not finish") }
print("rounds: \(outcome.history.timings.count), parameter: \(outcome.parameters.tensors[0].doubles()[0])")
print("weighted mean of targets: \(weightedMeanOfTargets(clients: clients))")
