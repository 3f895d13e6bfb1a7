/** A refusal the simulated ELM reports in the result's `Error` (HTTP 200), as the real one does. */
export class SimElmError extends Error {
  constructor(
    /** `CategoryData` xsi:type, e.g. `ItemNotFoundCategory`. */
    readonly category: string,
    readonly title: string,
    message: string,
    readonly details = "",
    /** Category members, in order, e.g. `{ Item: "753664" }`. */
    readonly categoryFields: Record<string, string> = {},
  ) {
    super(message);
    this.name = "SimElmError";
  }
}

export const notFound = (what: string, id: string | number) =>
  new SimElmError("ItemNotFoundCategory", "Item not found", `The ${what} with id ${id} was not found.`, "", { Item: String(id) });

export const conflict = (layerName: string) =>
  new SimElmError("WorkTicketConflictErrorCategory", "Operation not allowed", `Another task is already running for layer '${layerName}'. Wait for it to finish, then try again.`);

export const invalidState = (layerName: string, expected: string, actual: string, message: string) =>
  new SimElmError("InvalidLayerState", "Invalid layer state", message, "", { LayerName: layerName, ExpectedState: expected, ActualState: actual });

export const duplicate = (itemType: string, name: string) =>
  new SimElmError("DuplicateItemCategory", "Duplicate name", `A ${itemType} named '${name}' already exists. Choose a different name.`, "", { ItemType: itemType, ItemName: name });

export const invalidArgument = (name: string, value: string, message: string) =>
  new SimElmError("InvalidArgumentCategory", "Invalid argument", message, "", { Name: name, Value: value });
