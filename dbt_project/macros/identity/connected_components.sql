{#-
    Connected components of an undirected graph given as an edge relation (node_a, node_b: integers),
    computed in the warehouse by iterated contraction with pointer jumping:

      repeat until no edge is left (one "round"):
        1. every node hooks onto the smallest of itself and its neighbours (parent <= node);
        2. pointer jumping: parent := parent(parent) until no parent changes, so every node points
           at the root of its hook tree (a local minimum; O(log depth) passes);
        3. every original node's label := parent(label);
        4. the edges are rewritten onto the roots, self-loops and duplicates dropped (contraction).

    Each round at least halves the nodes that still have edges, so a long chain needs few rounds (a
    chain numbered in order collapses in one round of log2(n) jumps). Labels only ever move to a
    smaller node of the same component, and a component's smallest node is always its own root, so
    the final label of every node is the smallest node id of its component, whatever the order of
    work. Nothing is recursive: each pass is one set-based statement run through run_query.

    Writes `<work_prefix>_labels` (node, label) for the nodes that have edges (a node missing there is
    a component of its own) and returns {'rounds', 'jumps', 'edges', 'seconds'}. The caller drops the
    work tables (see drop_connected_components_work).
-#}
{% macro connected_components(edges_relation, work_prefix, max_rounds=64, max_jumps=64) -%}
    {{ return(adapter.dispatch('connected_components', 'c360')(edges_relation, work_prefix, max_rounds, max_jumps)) }}
{%- endmacro %}

{% macro default__connected_components(edges_relation, work_prefix, max_rounds, max_jumps) -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set edges = work_prefix ~ '_edges' -%}
    {%- set parents = work_prefix ~ '_parents' -%}
    {%- set labels = work_prefix ~ '_labels' -%}
    {%- set scratch = work_prefix ~ '_scratch' -%}
    {%- set state = namespace(rounds=0, jumps=0, done=false, edge_count=0) -%}

    {%- do c360.cc_create(edges, '
        select distinct least(node_a, node_b) as node_a, greatest(node_a, node_b) as node_b
        from ' ~ edges_relation ~ ' where node_a <> node_b') -%}
    {%- do c360.cc_create(labels, '
        select node_a as node, node_a as label from ' ~ edges ~ '
        union
        select node_b as node, node_b as label from ' ~ edges) -%}
    {%- set state.edge_count = c360.cc_scalar('select count(*) from ' ~ edges) -%}
    {%- set state.done = state.edge_count == 0 -%}

    {%- for _ in range(max_rounds) -%}
        {%- if not state.done -%}
            {%- set state.rounds = state.rounds + 1 -%}
            {#- 1. hook: every node onto the smallest of itself and its neighbours -#}
            {%- do c360.cc_create(parents, '
                select node, min(candidate) as parent
                from (
                    select node_b as node, node_a as candidate from ' ~ edges ~ '
                    union all
                    select node_a as node, node_a as candidate from ' ~ edges ~ '
                ) as hooks
                group by node') -%}
            {#- 2. pointer jumping until no parent moves -#}
            {%- set jumping = namespace(active=true) -%}
            {%- for _ in range(max_jumps) -%}
                {%- if jumping.active -%}
                    {%- do c360.cc_replace(parents, scratch, 'select p.node, q.parent, q.parent <> p.parent as moved
                        from ' ~ parents ~ ' as p inner join ' ~ parents ~ ' as q on q.node = p.parent') -%}
                    {%- if c360.cc_scalar('select count(*) from ' ~ parents ~ ' where moved') == 0 -%}
                        {%- set jumping.active = false -%}
                    {%- else -%}
                        {%- set state.jumps = state.jumps + 1 -%}
                    {%- endif -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if jumping.active -%}
                {{ exceptions.raise_compiler_error('connected_components: pointer jumping did not settle in ' ~ max_jumps ~ ' passes') }}
            {%- endif -%}
            {#- 3. relabel every node by the root of its label -#}
            {%- do c360.cc_replace(labels, scratch, 'select l.node, coalesce(p.parent, l.label) as label
                from ' ~ labels ~ ' as l left join ' ~ parents ~ ' as p on p.node = l.label') -%}
            {#- 4. contract the edges onto the roots -#}
            {%- do c360.cc_replace(edges, scratch, 'select distinct
                    least(pa.parent, pb.parent) as node_a, greatest(pa.parent, pb.parent) as node_b
                from ' ~ edges ~ ' as e
                inner join ' ~ parents ~ ' as pa on pa.node = e.node_a
                inner join ' ~ parents ~ ' as pb on pb.node = e.node_b
                where pa.parent <> pb.parent') -%}
            {%- set state.done = c360.cc_scalar('select count(*) from ' ~ edges) == 0 -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if not state.done -%}
        {{ exceptions.raise_compiler_error('connected_components: edges left after ' ~ max_rounds ~ ' rounds') }}
    {%- endif -%}
    {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {{ return({'rounds': state.rounds, 'jumps': state.jumps, 'edges': state.edge_count, 'seconds': seconds}) }}
{%- endmacro %}


{#- (Re)create the work table `table` as the result of `select_sql`, on the model's connection. -#}
{% macro cc_create(table, select_sql) -%}
    {{ return(adapter.dispatch('cc_create', 'c360')(table, select_sql)) }}
{%- endmacro %}

{% macro default__cc_create(table, select_sql) -%}
    {%- do run_query('create or replace table ' ~ table ~ ' as ' ~ select_sql) -%}
{%- endmacro %}

{#- Spark replaces only Delta/Iceberg tables; a work table of Parquet is dropped and created again. -#}
{% macro spark__cc_create(table, select_sql) -%}
    {%- do run_query('drop table if exists ' ~ table) -%}
    {%- do run_query('create table ' ~ table ~ ' using parquet as ' ~ select_sql) -%}
{%- endmacro %}


{#- Replace `target` by the result of `select_sql` (which may read `target`), through `scratch`. -#}
{% macro cc_replace(target, scratch, select_sql) -%}
    {%- do c360.cc_create(scratch, select_sql) -%}
    {%- do run_query('drop table ' ~ target) -%}
    {%- do run_query('alter table ' ~ scratch ~ ' rename to ' ~ target.split('.')[-1]) -%}
{%- endmacro %}


{% macro cc_scalar(sql) -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values()[0] | int) }}
{%- endmacro %}


{#- The post-hooks that drop the work tables: one statement each (Spark runs one per call). -#}
{% macro drop_connected_components_work(work_prefix) -%}
    {%- set hooks = [] -%}
    {%- for suffix in ['_edges', '_parents', '_labels', '_scratch'] -%}
        {%- do hooks.append('drop table if exists ' ~ work_prefix ~ suffix) -%}
    {%- endfor -%}
    {{ return(hooks) }}
{%- endmacro %}
