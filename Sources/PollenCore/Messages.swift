/// Asks a client for its device properties.
public struct GetPropertiesIns: Sendable, Hashable {
  public var config: Config
  public init(config: Config = [:]) { self.config = config }
}

/// A client's device properties.
public struct GetPropertiesRes: Sendable, Hashable {
  public var status: Status
  public var properties: Properties
  public init(status: Status = .ok, properties: Properties = [:]) {
    self.status = status
    self.properties = properties
  }
}

/// Asks a client for its current model parameters.
public struct GetParametersIns: Sendable, Hashable {
  public var config: Config
  public init(config: Config = [:]) { self.config = config }
}

/// A client's current model parameters.
public struct GetParametersRes: Sendable, Hashable {
  public var status: Status
  public var parameters: Parameters
  public init(status: Status = .ok, parameters: Parameters) {
    self.status = status
    self.parameters = parameters
  }
}

/// Instructs a client to train, starting from `parameters`.
public struct FitIns: Sendable, Hashable {
  public var parameters: Parameters
  public var config: Config
  public init(parameters: Parameters, config: Config = [:]) {
    self.parameters = parameters
    self.config = config
  }
}

/// The outcome of local training.
public struct FitRes: Sendable, Hashable {
  public var status: Status
  public var parameters: Parameters
  /// The number of examples used for training; FedAvg weights by it.
  public var numExamples: Int
  public var metrics: Metrics
  public init(status: Status = .ok, parameters: Parameters, numExamples: Int, metrics: Metrics = [:]) {
    self.status = status
    self.parameters = parameters
    self.numExamples = numExamples
    self.metrics = metrics
  }
}

/// Instructs a client to evaluate `parameters` on its local data.
public struct EvaluateIns: Sendable, Hashable {
  public var parameters: Parameters
  public var config: Config
  public init(parameters: Parameters, config: Config = [:]) {
    self.parameters = parameters
    self.config = config
  }
}

/// The outcome of local evaluation. `loss` is a 32-bit float on Flower's wire.
public struct EvaluateRes: Sendable, Hashable {
  public var status: Status
  public var loss: Double
  public var numExamples: Int
  public var metrics: Metrics
  public init(status: Status = .ok, loss: Double, numExamples: Int, metrics: Metrics = [:]) {
    self.status = status
    self.loss = loss
    self.numExamples = numExamples
    self.metrics = metrics
  }
}

/// Tells a client to disconnect; with `seconds`, to join again after that many seconds.
public struct ReconnectIns: Sendable, Hashable {
  /// `nil` (0 on the wire) means disconnect and shut down.
  public var seconds: Int?
  public init(seconds: Int? = nil) { self.seconds = seconds }
}

/// A client's answer to ``ReconnectIns``.
public struct DisconnectRes: Sendable, Hashable {
  public var reason: Reason
  public init(reason: Reason) { self.reason = reason }
}
