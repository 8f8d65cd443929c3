// The seam between the extension's commands and the simulator panel (client/src/simulator/panel.ts,
// built separately). Commands only ever talk to a SimulatorHost.

export interface OpenArgs {
  uri: string;
  scenarioId?: string;
  /** Every scenario through a lens's site (racing first): several make the host offer a pick. */
  scenarioIds?: string[];
  position?: { line: number; character: number };
}

export interface SimulatorHost { open(args: OpenArgs): Promise<void> }
