import PollenCore
import PollenServer
import PollenTesting

func vector(_ values: [Float]) -> NDArray { NDArray(values, shape: [values.count]) }

func result(_ cid: String, _ values: [Float], examples: Int = 1, metrics: Metrics = [:]) -> FitResult {
  (
    InProcessClientProxy(cid: cid, client: ScriptedClient(fit: .fail)),
    FitRes(parameters: Parameters(tensors: [vector(values)]), numExamples: examples, metrics: metrics)
  )
}

/// A strategy that only aggregates (FedAvg's arithmetic; no sampling).
let plainFedAvg = FedAvg()
