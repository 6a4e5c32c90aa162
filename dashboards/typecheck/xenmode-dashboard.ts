/*
 * The types every xenmode dashboard JSON is checked against (see check.mjs).
 *
 * Two checks, both over the same object literal:
 *
 *  1. GrafanaDashboard: the `Dashboard` type of @grafana/schema, the Grafana
 *     dashboard model, with one mechanical change: a JSON file cannot name a
 *     TypeScript enum member, it holds the member's value ("value", not
 *     MappingType.ValueToText), so Json<T> turns every string enum into the
 *     union of its values. Everything else (property names, required
 *     properties, literal unions, numbers vs strings) is @grafana/schema's.
 *
 *  2. XenmodeDashboard: the same model, narrowed where @grafana/schema leaves
 *     the door open (`options: Record<string, unknown>`, `targets:
 *     Record<string, unknown>[]`): each panel's `options` and
 *     `fieldConfig.defaults.custom` must be that panel plugin's own
 *     Options/FieldConfig types from @grafana/schema, every query is a
 *     Prometheus query, and every data source reference is the
 *     `${datasource}` template variable (no hard-coded uid).
 */
import type {
    Dashboard,
    FieldConfig as SchemaFieldConfig,
    FieldConfigSource as SchemaFieldConfigSource,
    Panel as SchemaPanel,
    RowPanel as SchemaRowPanel,
    VariableModel as SchemaVariableModel,
} from '@grafana/schema';
import type * as bargauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as piechart from '@grafana/schema/dist/esm/raw/composable/piechart/panelcfg/x/PieChartPanelCfg_types.gen';
import type * as stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as statetimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as timeseries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/** T as it can be written in JSON: string enums become their values. */
export type Json<T> = T extends string
    ? string extends T
        ? string
        : `${T}`
    : T extends number | boolean | null | undefined
      ? T
      : T extends ReadonlyArray<infer E>
        ? Array<Json<E>>
        : T extends object
          ? { [K in keyof T]: Json<T[K]> }
          : T;

/** Check 1: the @grafana/schema dashboard model. */
export type GrafanaDashboard = Json<Dashboard>;

/** The only data source reference a xenmode dashboard may hold. */
export interface PromDatasourceRef {
    type: 'prometheus';
    uid: '${datasource}';
}

/** A query of Grafana's Prometheus data source (its PromQuery type, with
 * the keys Grafana writes when it saves one). */
export interface PromTarget {
    refId: string;
    datasource: PromDatasourceRef;
    expr: string;
    legendFormat?: string;
    instant?: boolean;
    range?: boolean;
    format?: 'time_series' | 'table' | 'heatmap';
    editorMode?: 'code' | 'builder';
    exemplar?: boolean;
    interval?: string;
    intervalFactor?: number;
    hide?: boolean;
    key?: string;
    queryType?: string;
    disableTextWrap?: boolean;
    fullMetaSearch?: boolean;
    includeNullMetadata?: boolean;
    useBackend?: boolean;
}

type Overrides = Json<SchemaFieldConfigSource>['overrides'];

/** fieldConfig whose `defaults.custom` is the plugin's FieldConfig type. */
interface FieldConfigSource<TCustom> {
    defaults: Omit<Json<SchemaFieldConfig>, 'custom'> & { custom?: Json<TCustom> };
    overrides: Overrides;
}

type PanelOf<TType extends string, TOptions, TCustom> = Omit<
    Json<SchemaPanel>,
    'type' | 'options' | 'fieldConfig' | 'targets' | 'datasource'
> & {
    type: TType;
    datasource: PromDatasourceRef;
    targets: PromTarget[];
    options: Json<TOptions>;
    fieldConfig: FieldConfigSource<TCustom>;
};

/** The panel plugins the dashboards use, each with its own option types. */
export type XenmodePanel =
    | PanelOf<'stat', stat.Options, undefined>
    | PanelOf<'piechart', piechart.Options, piechart.FieldConfig>
    | PanelOf<'bargauge', bargauge.Options, undefined>
    | PanelOf<'table', table.Options, table.FieldConfig>
    | PanelOf<'state-timeline', statetimeline.Options, statetimeline.FieldConfig>
    | PanelOf<'timeseries', timeseries.Options, timeseries.FieldConfig>;

/** A row: a section title. Expanded, its panels follow it in the
 * dashboard's own list (Grafana keeps `panels` for a collapsed row only), so
 * every query stays where the tests and the other checks see it. */
interface RowPanel extends Omit<Json<SchemaRowPanel>, 'panels' | 'datasource' | 'collapsed'> {
    type: 'row';
    collapsed: false;
    panels: [];
}

/** A query variable over the dashboard's own Prometheus data source. */
interface QueryVariable extends Omit<Json<SchemaVariableModel>, 'type' | 'datasource' | 'query'> {
    type: 'query';
    datasource: PromDatasourceRef;
    query: {
        qryType: number;
        query: string;
        refId: string;
    };
}

/** The data source picker every dashboard starts with; no saved `current`
 * (that would be a data source uid of the Grafana it was saved in). */
interface DatasourceVariable extends Omit<Json<SchemaVariableModel>, 'type' | 'query' | 'datasource' | 'current'> {
    name: 'datasource';
    type: 'datasource';
    query: 'prometheus';
    current?: never;
}

/** Check 2: the xenmode dashboard model. */
export type XenmodeDashboard = Omit<GrafanaDashboard, 'panels' | 'templating' | 'uid' | 'title'> & {
    uid: string;
    title: string;
    panels: Array<XenmodePanel | RowPanel>;
    templating: {
        list: Array<DatasourceVariable | QueryVariable>;
    };
};
