// The seam between the extension's commands and the simulator panel (client/src/simulator/panel.ts,
// built separately). Commands only ever talk to a SimulatorHost.

export interface SimulatorHost { open(args: { uri: string; scenarioId?: string; position?: { line: number; character: number } }): Promise<void> }
