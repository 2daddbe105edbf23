import PollenCore
import PollenPrivacy
import PollenServer
import PollenTesting
import Testing

/// FedAvg with a time limit per round chosen by the strategy (flwrlabs/flower#3234).
struct TimedFedAvg: Strategy {
  var inner: FedAvg
  var timeouts: [Int: Duration]

  mutating func initializeParameters(clientManager: any ClientManager) async -> Parameters? {
    await inner.initializeParameters(clientManager: clientManager)
  }
  mutating func configureFit(serverRound: Int, parameters: Parameters, clientManager: any ClientManager)
    async -> [FitInstruction]
  {
    await inner.configureFit(serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }
  mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    inner.aggregateFit(serverRound: serverRound, results: results, failures: failures)
  }
  mutating func configureEvaluate(serverRound: Int, parameters: Parameters, clientManager: any ClientManager)
    async -> [EvaluateInstruction]
  {
    await inner.configureEvaluate(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }
  mutating func aggregateEvaluate(serverRound: Int, results: [EvaluateResult], failures: [ClientFailure])
    -> (loss: Double?, metrics: Metrics)
  {
    inner.aggregateEvaluate(serverRound: serverRound, results: results, failures: failures)
  }
  mutating func evaluate(serverRound: Int, parameters: Parameters) async -> (loss: Double, metrics: Metrics)?
  {
    await inner.evaluate(serverRound: serverRound, parameters: parameters)
  }
  func roundTimeout(serverRound: Int) -> Duration? { timeouts[serverRound] }
}

/// Per-round time limits: `--round-timeout 20,40,60` and ``Strategy/roundTimeout(serverRound:)``.
@Suite struct RoundTimeoutTests {
  static let model = Parameters(tensors: [NDArray([Float(0), 0])])

  /// One client whose every fit takes 300 ms; rounds without results fail by timeout.
  func run(config: ServerConfig, timeouts: [Int: Duration] = [:]) async -> History {
    let manager = SimpleClientManager(seed: 3)
    let client = ScriptedClient(fit: .sleep(.milliseconds(300), then: .addDelta(1, numExamples: 1)))
    await manager.register(InProcessClientProxy(cid: "slow", client: client))
    let fedAvg = FedAvg(
      fractionEvaluate: 0, minFitClients: 1, minEvaluateClients: 1, minAvailableClients: 1,
      initialParameters: Self.model)
    var server = Server(
      clientManager: manager, strategy: TimedFedAvg(inner: fedAvg, timeouts: timeouts), config: config)
    return await server.fit()
  }

  @Test func parsesOneOrSeveralLimits() throws {
    #expect(try ServerConfig.roundTimeouts(parsing: "60") == [.seconds(60)])
    #expect(
      try ServerConfig.roundTimeouts(parsing: "20,40,60") == [.seconds(20), .seconds(40), .seconds(60)])
    #expect(try ServerConfig.roundTimeouts(parsing: " 0.5 , 2") == [.milliseconds(500), .seconds(2)])
  }

  @Test(arguments: [
    ("", "empty"), ("20,,60", "entry 2"), ("20,", "entry 2"), ("abc", "\"abc\" is not a number"),
    ("10,x", "entry 2 of \"10,x\""), ("0", "must be positive"), ("-5", "must be positive"),
    ("inf", "not a number"), ("nan", "not a number"), ("1e12", "at most"),
  ])
  func rejectsBadLists(text: String, expected: String) {
    do {
      let parsed = try ServerConfig.roundTimeouts(parsing: text)
      Issue.record("\"\(text)\" parsed as \(parsed)")
    } catch let error as PollenError {
      #expect(error.code == .invalidArgument)
      #expect(error.message.contains(expected), "\(error.message)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func eachRoundUsesItsLimitAndLaterRoundsTheLast() {
    let config = ServerConfig(roundTimeouts: [.seconds(20), .seconds(40), .seconds(60)])
    #expect(config.roundTimeout(forRound: 0) == .seconds(20), "initial parameters use round 1's")
    #expect(config.roundTimeout(forRound: 1) == .seconds(20))
    #expect(config.roundTimeout(forRound: 2) == .seconds(40))
    #expect(config.roundTimeout(forRound: 3) == .seconds(60))
    #expect(config.roundTimeout(forRound: 99) == .seconds(60))
    var single = ServerConfig(roundTimeout: .seconds(5))
    #expect(single.roundTimeouts == [.seconds(5)])
    #expect(single.roundTimeout(forRound: 7) == .seconds(5))
    single.roundTimeout = nil
    #expect(single.roundTimeouts.isEmpty && single.roundTimeout(forRound: 1) == nil)
  }

  @Test func aShortLimitInOneRoundFailsOnlyThatRound() async {
    let history = await run(
      config: ServerConfig(numRounds: 3, roundTimeouts: [.seconds(10), .milliseconds(50), .seconds(10)]))
    #expect(history.failures.map(\.round) == [2])
    #expect(history.failures.first?.reason.contains("timeout") == true)
  }

  @Test func theStrategysLimitWinsOverTheConfigs() async {
    let history = await run(
      config: ServerConfig(numRounds: 3, roundTimeout: .seconds(10)), timeouts: [3: .milliseconds(50)])
    #expect(history.failures.map(\.round) == [3])
    let lenient = await run(
      config: ServerConfig(numRounds: 2, roundTimeout: .milliseconds(50)), timeouts: [1: .seconds(10)])
    #expect(lenient.failures.map(\.round) == [2], "round 1 uses the strategy's 10 s, round 2 the config's")
  }

  @Test func theDifferentialPrivacyWrapperForwardsTheLimit() throws {
    let inner = TimedFedAvg(inner: FedAvg(), timeouts: [2: .seconds(7)])
    let wrapped = try DifferentialPrivacyServerSideFixedClipping(
      inner, noiseMultiplier: 0, clippingNorm: 1, numSampledClients: 1)
    #expect(wrapped.roundTimeout(serverRound: 2) == .seconds(7))
    #expect(wrapped.roundTimeout(serverRound: 1) == nil)
    #expect(FedAvg().roundTimeout(serverRound: 1) == nil)
  }
}
