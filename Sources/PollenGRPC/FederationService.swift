import Logging
import PollenCore
import PollenServer
import ServiceLifecycle
import Synchronization

/// A federated run over Flower's gRPC protocol as a swift-service-lifecycle `Service` — what
/// `pollen server` runs. ``run()`` binds a ``FlowerGRPCServer``, runs the `Server`'s rounds
/// (resuming from a checkpoint and saving each round with a recorder, if given), then sends every
/// client `ReconnectIns` and stops the listener.
///
/// A graceful shutdown (in a `ServiceGroup` with SIGTERM/SIGINT as graceful-shutdown signals)
/// or task cancellation abandons the round in progress — the recorder keeps the last completed
/// round, so the run can be resumed — and then disconnects the clients as above; ``outcome``
/// says whether the run stopped early.
public final class FederationService: Service, Sendable {
  /// The service's lifecycle. Each case lists the states it may move to; any other transition
  /// is a programming error (checked).
  public enum State: Sendable, Equatable {
    /// Created, ``run()`` not called yet. → `binding`.
    case idle
    /// ``run()`` is binding the listener. → `training` once bound, `finished` if binding fails.
    case binding
    /// Listening on `port`; rounds are running. → `disconnecting` when the rounds end, are
    /// abandoned by a shutdown, or fail; `finished` if the listener itself fails.
    case training(port: Int)
    /// Sending `ReconnectIns` to every client and closing the listener. → `finished`.
    case disconnecting(port: Int)
    /// ``run()`` has returned (terminal).
    case finished

    func canMove(to next: State) -> Bool {
      switch (self, next) {
      case (.idle, .binding), (.binding, .training), (.binding, .finished), (.training, .disconnecting),
        (.training, .finished), (.disconnecting, .finished):
        return true
      default:
        return false
      }
    }
  }

  /// What a run produced.
  public struct Outcome: Sendable {
    /// The history of the completed rounds.
    public var history: History
    /// The global parameters after the last completed round.
    public var parameters: Parameters
    /// Whether a shutdown or cancellation stopped the run before its last round.
    public var stoppedEarly: Bool
  }

  private let server: Server
  private let grpcConfig: FlowerGRPCServer.Config
  private let checkpoint: RunCheckpoint?
  private let recorder: (any RunRecorder)?
  private let onListening: @Sendable (Int) -> Void
  private let logger: Logger
  private let state = Mutex<(state: State, outcome: Outcome?)>((.idle, nil))

  /// A service running `server`'s rounds behind a gRPC listener configured by `grpc`.
  /// `onListening` is called with the bound port (useful with port 0).
  public init(
    server: Server, grpc: FlowerGRPCServer.Config, resumingFrom checkpoint: RunCheckpoint? = nil,
    recorder: (any RunRecorder)? = nil, logger: Logger = .pollen("pollen.grpc.server"),
    onListening: @escaping @Sendable (Int) -> Void = { _ in }
  ) {
    self.server = server
    self.grpcConfig = grpc
    self.checkpoint = checkpoint
    self.recorder = recorder
    self.logger = logger
    self.onListening = onListening
  }

  /// The current state.
  public var currentState: State { state.withLock { $0.state } }

  /// The outcome, once ``run()`` has returned normally.
  public var outcome: Outcome? { state.withLock { $0.outcome } }

  /// Binds, runs the rounds, disconnects the clients. Runs once.
  ///
  /// - Throws: if the listener cannot be bound, or what the recorder or a resume throws.
  public func run() async throws {
    move(to: .binding)
    let server = self.server
    let (checkpoint, recorder) = (self.checkpoint, self.recorder)
    do {
      let outcome = try await withFlowerGRPCServer(
        config: grpcConfig, clientManager: server.clientManager, logger: logger
      ) { grpc in
        let port = try await grpc.boundPort()
        move(to: .training(port: port))
        onListening(port)
        let rounds: Result<Outcome, any Error> = await cancelWhenGracefulShutdown {
          var running = server
          // Between rounds, freed pages go back to the system at 10,000s of clients (see
          // ProcessMemory.trimsBetweenRounds).
          let onRoundEnd = running.onRoundEnd
          running.onRoundEnd = { round, history in
            onRoundEnd?(round, history)
            ProcessMemory.trimAfterRound()
          }
          do {
            let history = try await running.run(resumingFrom: checkpoint, recorder: recorder)
            return .success(
              Outcome(history: history, parameters: running.parameters, stoppedEarly: Task.isCancelled))
          } catch {
            return .failure(error)
          }
        }
        move(to: .disconnecting(port: port))
        logger.info("sending ReconnectIns to all clients")
        await server.disconnectAllClients(timeout: .seconds(10))
        return try rounds.get()
      }
      state.withLock { $0.outcome = outcome }
      move(to: .finished)
    } catch {
      move(to: .finished)
      throw error
    }
  }

  private func move(to next: State) {
    state.withLock { s in
      precondition(s.state.canMove(to: next), "FederationService: illegal transition \(s.state) → \(next)")
      s.state = next
    }
  }
}
